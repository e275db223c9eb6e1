//! A private Dovecot (Debian's dovecot-imapd) for the intake tests: its own configuration,
//! state and log under a temporary folder, listening on loopback only (IMAP with STARTTLS
//! and IMAPS, a certificate from a fresh test CA), one passwd-file user, mail delivered with
//! dovecot-lda, inspected with doveadm, stopped (and its folder removed) when dropped.
//!
//! When dovecot is not installed the tests that need it print a loud SKIPPED line and
//! return, unless FOLLOWUP_REQUIRE_DOVECOT=1 (set by .ci/interop.d/81-imap.sh), which makes
//! a missing dovecot a failure.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const DOVECOT: &str = "/usr/sbin/dovecot";
const DOVEADM: &str = "/usr/bin/doveadm";
const LDA: &str = "/usr/lib/dovecot/dovecot-lda";
/// The mailbox's user and password (the password is also searched for in logs).
pub const USER: &str = "duban";
pub const PASSWORD: &str = "S3cret-imap-pw-7f2a";

pub struct Dovecot {
    dir: tempfile::TempDir,
    pub imap_port: u16,
    pub imaps_port: u16,
    /// The test CA's certificate (PEM), for `inbox.ca_file`.
    pub ca_file: PathBuf,
}

/// A free loopback port (bound, then released for Dovecot to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a loopback port is free")
        .port()
}

/// A CA certificate (PEM) and a server certificate and key (PEM) for 127.0.0.1/localhost.
fn test_certificates() -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("generate test CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("test CA params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "followup IMAP test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign test CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("generate server key");
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("server certificate params");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("sign server certificate");
    (ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem())
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
}

impl Dovecot {
    /// Starts a private Dovecot, or `None` (after a loud message) when it is not installed
    /// and FOLLOWUP_REQUIRE_DOVECOT is not set.
    pub fn start() -> Option<Dovecot> {
        Dovecot::start_with("")
    }

    /// `start` with extra lines appended to dovecot.conf.
    pub fn start_with(extra: &str) -> Option<Dovecot> {
        if !Path::new(DOVECOT).exists() || !Path::new(LDA).exists() {
            assert!(
                std::env::var_os("FOLLOWUP_REQUIRE_DOVECOT").is_none(),
                "FOLLOWUP_REQUIRE_DOVECOT is set but dovecot is not installed (apt-get install dovecot-imapd)"
            );
            eprintln!(
                "\n*** SKIPPED: dovecot is not installed ({DOVECOT}); the IMAP intake tests did NOT run. Install dovecot-imapd, or run .ci/interop.d/81-imap.sh ***\n"
            );
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("fu-dc")
            .tempdir()
            .expect("a temporary directory");
        let root = dir.path();
        // Dovecot's unprivileged processes must reach every file under it.
        chmod(root, 0o755);
        let (ca, cert, key) = test_certificates();
        let ca_file = root.join("ca.pem");
        std::fs::write(&ca_file, ca).expect("write CA");
        std::fs::write(root.join("server.pem"), cert).expect("write certificate");
        std::fs::write(root.join("server.key"), key).expect("write key");
        chmod(&root.join("server.key"), 0o600);
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("home");
        chown(&home, 8, 8);
        let passwd = root.join("passwd");
        std::fs::write(
            &passwd,
            format!("{USER}:{{PLAIN}}{PASSWORD}:8:8::{}::\n", home.display()),
        )
        .expect("write passwd");
        chmod(&passwd, 0o640);
        let dovecot_gid = std::process::Command::new("getent")
            .args(["group", "dovecot"])
            .output()
            .ok()
            .and_then(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .split(':')
                    .nth(2)
                    .and_then(|gid| gid.trim().parse().ok())
            })
            .unwrap_or(0);
        chown(&passwd, 0, dovecot_gid);
        let imap_port = free_port();
        let imaps_port = free_port();
        let name = root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let conf = format!(
            r#"base_dir = {root}/run
state_dir = {root}/state
instance_name = {name}
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = required
ssl_cert = <{root}/server.pem
ssl_key = <{root}/server.key
ssl_dh = </usr/share/dovecot/dh.pem
first_valid_uid = 8
mail_location = maildir:~/Maildir
lda_mailbox_autocreate = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{extra}
"#,
            root = root.display()
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("write dovecot.conf");
        let dovecot = Dovecot {
            dir,
            imap_port,
            imaps_port,
            ca_file,
        };
        // Without -F the master forks into the background once its listeners are bound.
        let status = Command::new(DOVECOT)
            .arg("-c")
            .arg(dovecot.conf())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("dovecot runs");
        assert!(
            status.success(),
            "dovecot did not start ({status}); its log:\n{}",
            dovecot.log()
        );
        Some(dovecot)
    }

    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Delivers one message into `mailbox` of the test user with dovecot-lda.
    pub fn deliver(&self, mailbox: &str, message: &[u8]) {
        let mut child = Command::new(LDA)
            .arg("-c")
            .arg(self.conf())
            .args(["-d", USER, "-m", mailbox, "-f", "sender@example.gov.cn"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dovecot-lda runs");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(message)
            .expect("write the message to dovecot-lda");
        let output = child.wait_with_output().expect("dovecot-lda finishes");
        assert!(
            output.status.success(),
            "dovecot-lda failed ({}): {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }

    /// Runs doveadm against this instance for the test user; returns stdout.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let output = Command::new(DOVEADM)
            .arg("-c")
            .arg(self.conf())
            .args(args)
            .output()
            .expect("doveadm runs");
        assert!(
            output.status.success(),
            "doveadm {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `uid flags` of every message in `mailbox`, one `(uid, flags)` per message.
    pub fn messages(&self, mailbox: &str) -> Vec<(u32, String)> {
        let out = self.doveadm(&[
            "-f",
            "tab",
            "fetch",
            "-u",
            USER,
            "uid flags",
            "mailbox",
            mailbox,
            "all",
        ]);
        out.lines()
            .skip(1)
            .filter_map(|line| {
                let (uid, flags) = line.split_once('\t')?;
                Some((uid.trim().parse().ok()?, flags.trim().to_string()))
            })
            .collect()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new(DOVEADM)
            .arg("-c")
            .arg(self.conf())
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
