//! followup's own SMTP client (`followup::smtp`) against the in-process test server: what
//! arrives byte for byte, per-recipient answers, PIPELINING on and off, STARTTLS with AUTH,
//! and a bounded, correctly named failure for a server that stalls at each stage or drops
//! the connection after the final dot.

use std::sync::Arc;
use std::time::Duration;

use followup::smtp::{Connection, Error, Security, Settings, Stage as ClientStage};
use tokio_rustls::rustls;

use crate::smtp_server::{Answer, Fault, Options, SmtpServer, Stage};

fn settings(server: &SmtpServer, timeout: Duration) -> Settings {
    Settings {
        host: "127.0.0.1".into(),
        port: server.port(),
        security: Security::None,
        credentials: None,
        timeout,
        hello: "client.test".into(),
    }
}

fn tls_config(server: &SmtpServer) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(server.ca_pem().as_bytes()) {
        roots
            .add(certificate.expect("the test CA parses"))
            .expect("a root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

const MESSAGE: &[u8] =
    b"From: a@example.test\r\nSubject: dots\r\n\r\nfirst\r\n.hidden\r\n.\r\n..two\r\nlast\r\n";

#[test]
fn messages_arrive_byte_for_byte_with_and_without_pipelining() {
    for pipelining in [false, true] {
        let server = SmtpServer::start(Options {
            pipelining,
            ..Options::default()
        });
        runtime().block_on(async {
            let mut connection = Connection::open(&settings(&server, Duration::from_secs(10)))
                .await
                .expect("connects");
            for _ in 0..3 {
                let delivery = connection
                    .send("a@example.test", &["b@example.test".into()], MESSAGE)
                    .await
                    .expect("accepted");
                assert_eq!(delivery.answer.code, 250);
                assert!(delivery.refused.is_empty());
            }
            connection.quit().await;
        });
        let received = server.received();
        assert_eq!(received.len(), 3, "pipelining {pipelining}");
        assert!(received.iter().all(|message| message.data == MESSAGE));
        assert_eq!(server.connections(), 1, "one connection carries all three");
    }
}

#[test]
fn a_refused_recipient_does_not_stop_the_others_and_none_accepted_is_an_error() {
    for pipelining in [false, true] {
        let server = SmtpServer::start(Options {
            pipelining,
            ..Options::default()
        });
        server.set_rcpt_rule(|address| {
            if address.starts_with("bad") {
                Answer::Reply(550, "5.1.1 no such user".into())
            } else {
                Answer::Accept
            }
        });
        runtime().block_on(async {
            let mut connection = Connection::open(&settings(&server, Duration::from_secs(10)))
                .await
                .expect("connects");
            let recipients = ["bad1@example.test".into(), "good@example.test".into()];
            let delivery = connection
                .send("a@example.test", &recipients, MESSAGE)
                .await
                .expect("accepted for the good one");
            assert_eq!(delivery.refused.len(), 1);
            assert_eq!(delivery.refused[0].0, "bad1@example.test");
            assert_eq!(delivery.refused[0].1.code, 550);

            let error = connection
                .send("a@example.test", &["bad2@example.test".into()], MESSAGE)
                .await
                .expect_err("nobody accepted");
            assert!(matches!(&error, Error::NoRecipient(refused) if refused.len() == 1));
            // The connection is still usable after the refusal.
            connection
                .send("a@example.test", &["good@example.test".into()], MESSAGE)
                .await
                .expect("the session was reset");
        });
        let received = server.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].rcpt_to, ["good@example.test"]);
    }
}

#[test]
fn starttls_and_auth_and_a_refused_password() {
    let server = SmtpServer::start(Options {
        starttls: true,
        require_tls_for_auth: true,
        auth: Some(("duban".into(), "s3cret-密码".into())),
        pipelining: true,
        ..Options::default()
    });
    runtime().block_on(async {
        let mut good = settings(&server, Duration::from_secs(10));
        good.host = "localhost".into();
        good.security = Security::StartTls(tls_config(&server));
        good.credentials = Some(("duban".into(), "s3cret-密码".into()));
        let mut connection = Connection::open(&good).await.expect("connects");
        connection
            .send("a@example.test", &["b@example.test".into()], MESSAGE)
            .await
            .expect("accepted");

        let mut wrong = good.clone();
        wrong.credentials = Some(("duban".into(), "wrong".into()));
        match Connection::open(&wrong).await {
            Err(Error::Rejected(ClientStage::Auth, reply)) => assert_eq!(reply.code, 535),
            Err(other) => panic!("expected a 535, got {other}"),
            Ok(_) => panic!("expected a 535, got a connection"),
        }
    });
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls);
    assert_eq!(received[0].auth_user.as_deref(), Some("duban"));
}

/// Every stage a server can stall at ends in a timeout naming it; after the final dot it is
/// an unknown outcome, never a plain failure.
#[test]
fn a_stall_at_any_stage_is_a_timeout_naming_it() {
    let cases = [
        (Stage::Greeting, "timed out waiting for the greeting"),
        (Stage::Ehlo, "timed out waiting for EHLO"),
        (Stage::Mail, "timed out waiting for MAIL FROM"),
        (Stage::Rcpt, "timed out waiting for RCPT TO"),
        (Stage::Data, "timed out waiting for DATA"),
        (Stage::Dot, "outcome is unknown"),
    ];
    for pipelining in [false, true] {
        for (stage, expected) in cases {
            let server = SmtpServer::start(Options {
                pipelining,
                fault: Some(Fault::StallAt(stage)),
                ..Options::default()
            });
            let error = runtime().block_on(async {
                let settings = settings(&server, Duration::from_millis(300));
                let mut connection = Connection::open(&settings).await?;
                connection
                    .send("a@example.test", &["b@example.test".into()], MESSAGE)
                    .await
            });
            let error = error.expect_err("a stalled server fails the send");
            assert!(
                error.to_string().contains(expected),
                "{stage:?} (pipelining {pipelining}): {error}"
            );
            assert_eq!(
                matches!(error, Error::OutcomeUnknown(_)),
                stage == Stage::Dot,
                "{stage:?}: {error}"
            );
        }
    }
}

#[test]
fn a_connection_dropped_after_the_dot_is_an_unknown_outcome() {
    let server = SmtpServer::start(Options {
        fault: Some(Fault::DropAfterDot),
        pipelining: true,
        ..Options::default()
    });
    let error = runtime()
        .block_on(async {
            let mut connection =
                Connection::open(&settings(&server, Duration::from_secs(10))).await?;
            connection
                .send("a@example.test", &["b@example.test".into()], MESSAGE)
                .await
        })
        .expect_err("no answer after the dot");
    assert!(matches!(error, Error::OutcomeUnknown(_)), "{error}");
    assert!(
        error.to_string().contains("closed the connection"),
        "{error}"
    );
    assert_eq!(server.received().len(), 1, "the server did take it");
}
