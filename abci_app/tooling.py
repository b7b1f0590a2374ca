"""Project setup: the pinned CometBFT binaries and the generated protobuf bindings.

Run as ``python -m abci_app.tooling``; every step is idempotent and fast when already done.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

# The one place that names the CometBFT version. Never "@latest": it resolves to the
# abandoned v1 line, whose ABCI proto package (cometbft.abci.v1) differs from ours.
COMETBFT_VERSION = "v0.40.0"
COMETBFT_MODULE = "github.com/cometbft/cometbft"
GOGOPROTO_MODULE = "github.com/cosmos/gogoproto"
GO_TOOLS = {
    "cometbft": "cmd/cometbft",
    "abci-cli": "abci/cmd/abci-cli",
}

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = Path(os.environ.get("BPDAO_TOOLS_BIN", REPO_ROOT / ".tools" / "bin"))
PB_PACKAGE = "abci_app.pb"
PB_DIR = REPO_ROOT / "abci_app" / "pb"
OWN_PROTO_ROOT = REPO_ROOT / "proto"
STAMP = PB_DIR / ".stamp"


def log(msg: str) -> None:
    print(f"[setup] {msg}", file=sys.stderr, flush=True)


def cometbft_binary() -> Path:
    """Path of the pinned cometbft binary (installed by :func:`install_go_tools`)."""
    override = os.environ.get("BPDAO_COMETBFT")
    return Path(override) if override else TOOLS_BIN / "cometbft"


def tool_binary(name: str) -> Path:
    return TOOLS_BIN / name


def _go_env(name: str) -> str:
    return subprocess.run(["go", "env", name], check=True, capture_output=True, text=True).stdout.strip()


def _version_stamp(binary: Path) -> Path:
    return binary.with_name(f".{binary.name}.version")


def install_go_tools(names: list[str] | None = None) -> None:
    """``go install`` the pinned CometBFT tools into the project-local tools dir."""
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    for name in names or ["cometbft"]:
        binary = TOOLS_BIN / name
        stamp = _version_stamp(binary)
        if binary.exists() and stamp.exists() and stamp.read_text().strip() == COMETBFT_VERSION:
            log(f"{name} {COMETBFT_VERSION} already installed at {binary}")
            continue
        if shutil.which("go") is None:
            raise SystemExit("Go is required to install cometbft (go install); see README")
        pkg = f"{COMETBFT_MODULE}/{GO_TOOLS[name]}@{COMETBFT_VERSION}"
        log(f"go install {pkg} (a cold build takes about 2 minutes)")
        env = dict(os.environ, GOBIN=str(TOOLS_BIN), GOFLAGS=os.environ.get("GOFLAGS", "-mod=mod"))
        subprocess.run(["go", "install", pkg], check=True, env=env)
        stamp.write_text(COMETBFT_VERSION + "\n")


def _module_dir(module: str, version: str) -> Path:
    return Path(_go_env("GOMODCACHE")) / f"{module}@{version}"


def _gogoproto_version(cometbft_dir: Path) -> str:
    gomod = (cometbft_dir / "go.mod").read_text()
    match = re.search(rf"^\s*{re.escape(GOGOPROTO_MODULE)}\s+(v\S+)", gomod, re.MULTILINE)
    if not match:
        raise SystemExit(f"cannot find {GOGOPROTO_MODULE} in {cometbft_dir}/go.mod")
    return match.group(1)


def _ensure_module_sources() -> tuple[Path, Path]:
    """The CometBFT and gogoproto module roots in the Go module cache (downloaded if missing)."""
    cometbft_dir = _module_dir(COMETBFT_MODULE, COMETBFT_VERSION)
    if not (cometbft_dir / "proto").is_dir():
        subprocess.run(["go", "mod", "download", f"{COMETBFT_MODULE}@{COMETBFT_VERSION}"], check=True)
    gogo_version = _gogoproto_version(cometbft_dir)
    gogo_dir = _module_dir(GOGOPROTO_MODULE, gogo_version)
    if not (gogo_dir / "gogoproto" / "gogo.proto").exists():
        subprocess.run(["go", "mod", "download", f"{GOGOPROTO_MODULE}@{gogo_version}"], check=True)
    return cometbft_dir, gogo_dir


def _proto_inputs() -> list[Path]:
    return sorted(OWN_PROTO_ROOT.rglob("*.proto"))


def _fingerprint(cometbft_dir: Path) -> str:
    import hashlib

    digest = hashlib.sha256(COMETBFT_VERSION.encode())
    for path in _proto_inputs():
        digest.update(path.relative_to(OWN_PROTO_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(str(cometbft_dir).encode())
    return digest.hexdigest()


_IMPORT_RE = re.compile(r"^(from|import) (tendermint|gogoproto|bpdao)(\.|\s)", re.MULTILINE)


def _rewrite_imports(text: str) -> str:
    """Make generated top-level imports (``from tendermint.abci import …``) package-relative."""
    return _IMPORT_RE.sub(lambda m: f"{m.group(1)} {PB_PACKAGE}.{m.group(2)}{m.group(3)}", text)


def generate_bindings(force: bool = False) -> None:
    """Generate Python bindings for CometBFT's tendermint.* protos and our bpdao/v1 protos."""
    cometbft_dir, gogo_dir = _ensure_module_sources()
    fingerprint = _fingerprint(cometbft_dir)
    if not force and STAMP.exists() and STAMP.read_text() == fingerprint:
        log("protobuf bindings up to date")
        return
    cometbft_proto = cometbft_dir / "proto"
    upstream = sorted(
        p.relative_to(cometbft_proto).as_posix()
        for sub in ("abci", "crypto", "types", "version")
        for p in (cometbft_proto / "tendermint" / sub).glob("*.proto")
    )
    own = [p.relative_to(OWN_PROTO_ROOT).as_posix() for p in _proto_inputs()]
    if PB_DIR.exists():
        shutil.rmtree(PB_DIR)
    PB_DIR.mkdir(parents=True)
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        sys.executable, "-m", "grpc_tools.protoc",
        f"-I{cometbft_proto}", f"-I{gogo_dir}", f"-I{OWN_PROTO_ROOT}", f"-I{well_known}",
        f"--python_out={PB_DIR}", f"--pyi_out={PB_DIR}", f"--grpc_python_out={PB_DIR}",
        "gogoproto/gogo.proto", *upstream, *own,
    ]
    log(f"generating bindings: {len(upstream)} CometBFT {COMETBFT_VERSION} files + {len(own)} bpdao files")
    subprocess.run(args, check=True)
    for path in PB_DIR.rglob("*.py*"):
        path.write_text(_rewrite_imports(path.read_text()))
    for directory in [PB_DIR, *[d for d in PB_DIR.rglob("*") if d.is_dir()]]:
        (directory / "__init__.py").touch()
    STAMP.write_text(fingerprint)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m abci_app.tooling", description=__doc__)
    parser.add_argument("--tools", nargs="*", default=["cometbft"], choices=sorted(GO_TOOLS))
    steps = parser.add_mutually_exclusive_group()
    steps.add_argument("--skip-go", action="store_true", help="only generate bindings")
    steps.add_argument("--go-only", action="store_true", help="only install the Go tools")
    parser.add_argument("--force", action="store_true", help="regenerate bindings")
    args = parser.parse_args(argv)
    # SIGTERM (setup.sh stopping a background build) exits via SystemExit: subprocess.run then kills go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if not args.skip_go:
        install_go_tools(args.tools)
    if not args.go_only:
        generate_bindings(force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
