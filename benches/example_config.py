"""The packaged example configuration made runnable anywhere, for the scale benchmark
(benches/scale.py) and the hot-code list (tools/hot-text/hot-text.py)."""
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def example_config(work):
    """The packaged example configuration, with a file transport and a scratch state_dir."""
    folder = os.path.join(work, "example")
    shutil.copytree(os.path.join(ROOT, "packaging"), folder)
    main = os.path.join(folder, "followup.toml")
    with open(main) as file:
        text = file.read()
    text = text.replace('state_dir = "/var/lib/followup"', 'state_dir = "state"')
    text = text.replace('transport = "smtp"', 'transport = "file"')
    with open(main, "w") as file:
        file.write(text)
    return main
