import hashlib
import http.server
import threading
from functools import partial

import pytest

from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.data.download import DATASETS, RemoteFile, download
from seqgan_gumbel.errors import UserError

from conftest import COCO, needs_coco


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over a temporary folder; no test touches the internet."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _spec(root, text: bytes, sha=None, lines=None):
    (root / "small.txt").write_bytes(text)
    f = RemoteFile("train.txt", "https://example.invalid/data/small.txt",
                   lines if lines is not None else len(text.splitlines()),
                   sha if sha is not None else hashlib.sha256(text).hexdigest())
    return {"small": (f,)}


def test_download_verifies_and_writes(server, tmp_path):
    root, url = server
    text = b"a cat on a mat\nthe dog\nlast line without newline"
    dest = tmp_path / "dest"
    [r] = download("small", dest, base_url=url, progress=False, datasets=_spec(root, text))
    assert (dest / "train.txt").read_bytes() == text and r["lines"] == 3 and r["verified_sha256"]
    assert sorted(p.name for p in dest.iterdir()) == ["train.txt"]


@pytest.mark.parametrize("kind", ["sha", "lines"])
def test_mismatch_removes_the_partial_file(server, tmp_path, kind):
    root, url = server
    spec = _spec(root, b"one\ntwo\n", sha="0" * 64 if kind == "sha" else None, lines=5 if kind == "lines" else None)
    dest = tmp_path / "dest"
    with pytest.raises(UserError, match="does not match" if kind == "sha" else "2 lines, expected 5"):
        download("small", dest, base_url=url, progress=False, datasets=spec)
    assert not dest.exists()               # nothing left: not the partial file, not the folder it made


def test_unreachable_server_and_unknown_names(tmp_path, server):
    root, url = server
    (tmp_path / "d").mkdir()               # a folder of the user's: kept, and left empty
    with pytest.raises(UserError, match="download of .* failed"):
        download("small", tmp_path / "d", base_url=url + "/missing", progress=False, datasets=_spec(root, b"x\n"))
    assert list((tmp_path / "d").iterdir()) == []
    with pytest.raises(UserError, match="unknown dataset"):
        download("wiki", tmp_path / "d")


@needs_coco
def test_coco_command_against_a_local_mirror(server, tmp_path, capsys):
    root, url = server
    for f in DATASETS["coco"]:
        (root / f.url.rsplit("/", 1)[1]).write_bytes((COCO / f.name).read_bytes())
    dest = tmp_path / "coco"
    assert main(["data", "download", "coco", "--dest", str(dest), "--base-url", url, "--quiet"]) == 0
    assert capsys.readouterr().out.count("SHA-256 verified") == 2
    assert (dest / "test.txt").read_bytes() == (COCO / "test.txt").read_bytes()
    # A corrupted mirror: one changed byte fails the checksum, exit status 2, nothing written.
    data = bytearray((COCO / "train.txt").read_bytes())
    data[100] ^= 1
    (root / "image_coco.txt").write_bytes(bytes(data))
    dest2 = tmp_path / "coco2"
    assert main(["data", "download", "coco", "--dest", str(dest2), "--base-url", url, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "does not match" in err
    assert not dest2.exists()
