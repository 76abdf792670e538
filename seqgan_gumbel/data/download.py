"""Downloading the standard text-GAN corpora, verified and written atomically."""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from seqgan_gumbel.storage.checkpoint import default_file_mode
from seqgan_gumbel.errors import UserError

TEXYGEN = "https://raw.githubusercontent.com/geek-ai/Texygen/master/"
RELGAN = "https://raw.githubusercontent.com/weilinie/RelGAN/master/"


@dataclass(frozen=True)
class RemoteFile:
    name: str                 # written as DEST/name
    url: str
    lines: int                # number of lines (the last may lack its newline)
    sha256: str | None        # None: no checksum known; the computed one is reported instead


# COCO: checksums of the split as published in Texygen (10,000 captions each; the last line
# has no trailing newline). EMNLP 2017 News: RelGAN's copy (270,000 / 10,000 sentences per
# the RelGAN paper); its checksums could not be recorded because the files were not
# reachable when this table was written, so only the line counts are checked.
DATASETS: dict[str, tuple[RemoteFile, ...]] = {
    "coco": (
        RemoteFile("train.txt", TEXYGEN + "data/image_coco.txt", 10_000,
                   "2c0fd1f0f43aac6a9dc3926a535516ccf395de535e15ac1fd17cd569420736f5"),
        RemoteFile("test.txt", TEXYGEN + "data/testdata/test_coco.txt", 10_000,
                   "72e25c9fb4d2cd43182ac602c92f6ffc377762147f9709572943b0b09174bcae"),
    ),
    "emnlp": (
        RemoteFile("train.txt", RELGAN + "data/emnlp_news.txt", 270_000, None),
        RemoteFile("test.txt", RELGAN + "data/testdata/test_emnlp.txt", 10_000, None),
    ),
}


def count_lines(data: bytes) -> int:
    return len(data.splitlines())


def fetch(file: RemoteFile, dest: Path, *, url: str | None = None, progress: bool = True,
          timeout: float = 60.0) -> dict:
    """Download one file to dest/file.name through a temporary file, verify it, then rename.

    A failed transfer or a file that does not verify leaves nothing behind.
    """
    url = url or file.url
    target = dest / file.name
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".part", dir=dest)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    total = int(resp.headers.get("Content-Length") or 0) or None
                    with tqdm(total=total, unit="B", unit_scale=True, desc=file.name, disable=not progress) as bar:
                        while chunk := resp.read(1 << 16):
                            out.write(chunk)
                            digest.update(chunk)
                            bar.update(len(chunk))
            except (urllib.error.URLError, OSError, ValueError) as e:
                raise UserError(f"download of {url} failed ({e}); check the network or --base-url") from None
        sha = digest.hexdigest()
        if file.sha256 is not None and sha != file.sha256:
            raise UserError(f"{url}: SHA-256 {sha} does not match the expected {file.sha256}; "
                            f"the partial file was removed (try again, or check the mirror)")
        lines = count_lines(Path(tmp).read_bytes())
        if lines != file.lines:
            raise UserError(f"{url}: {lines} lines, expected {file.lines}; the partial file was removed")
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {"file": str(target), "lines": lines, "sha256": sha, "verified_sha256": file.sha256 is not None}


def download(name: str, dest: str | Path, *, base_url: str | None = None, progress: bool = True,
             datasets: dict[str, tuple[RemoteFile, ...]] | None = None) -> list[dict]:
    """Fetch every file of a dataset into dest. base_url replaces each URL's directory part
    with base_url/<file name in the URL>, for mirrors and tests."""
    datasets = DATASETS if datasets is None else datasets
    if name not in datasets:
        raise UserError(f"unknown dataset {name!r}: choose one of {', '.join(datasets)}")
    from seqgan_gumbel.storage.paths import output_dir

    dest = output_dir(dest, "--dest")
    created = [p for p in (dest, *dest.parents) if not p.exists()]      # removed again on failure
    dest.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for f in datasets[name]:
            url = f"{base_url.rstrip('/')}/{f.url.rsplit('/', 1)[1]}" if base_url else None
            results.append(fetch(f, dest, url=url, progress=progress))
    except BaseException:
        for p in created:                  # deepest first; only folders this call made, if empty
            if p.is_dir() and not any(p.iterdir()):
                p.rmdir()
        raise
    return results
