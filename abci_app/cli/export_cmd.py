"""``bpdao export --home H [--height latest] [--output-document FILE] [--genesis-file GENESIS] [--force]``:
the committed state of a stopped node as a genesis for a new chain (abci_app/export.py). Always JSON:
to FILE, or to stdout; ``--genesis-file`` also rewrites a genesis.json to restart the chain from it.
A height the restarted chain would slash honest members from is refused unless ``--force``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from abci_app.cli.output import EXIT_OK, CliError, Output
from abci_app.node import DEFAULT_HOME, Home, HomeError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Not the common options: this command always writes JSON, and -o names its file.
    help_ = "write the committed state of a stopped node as a genesis (app_state and chain params)"
    parser = commands.add_parser("export", help=help_, description=help_)
    parser.add_argument("--home", default=str(DEFAULT_HOME), help="node home (default: %(default)s)")
    parser.add_argument(
        "--height", default="latest", help="'latest' (default) or that height: only the last one is kept"
    )
    parser.add_argument(
        "--output-document", dest="out_file", default=None, help="write to this file (default: stdout)"
    )
    parser.add_argument(
        "--genesis-file",
        default=None,
        help="also rewrite this genesis.json (same chain id) to restart the chain from the export: its "
        "app_state, validators, initial_height and genesis_time",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="export even the last reveal-phase height of an epoch, whose reveals the restarted chain "
        "loses (its members would be slashed as non-revealers): for disaster recovery only",
    )
    parser.set_defaults(handler=run, output="text")  # errors as text on stderr


def run(args: argparse.Namespace, out: Output) -> int:
    # Imported here: it loads the whole app, which every other command (a process each) does without.
    from abci_app.export import ExportError, ExportRefused, export_data_dir, restart_genesis

    home = Home.at(args.home)
    try:
        data_dir = home.data_dir(home.load_config())
        exported = export_data_dir(data_dir, args.height, force=args.force)
    except ExportRefused as err:
        raise CliError(f"{err} (--force exports anyway, for disaster recovery)") from None
    except (HomeError, ExportError) as err:
        raise CliError(str(err)) from None
    for warning in exported.warnings:
        out.note(f"warning: {warning}")
    doc = exported.to_json()
    if args.genesis_file is not None:
        path = Path(args.genesis_file)
        try:
            genesis = json.loads(path.read_text())
            path.write_text(json.dumps(restart_genesis(genesis, doc), indent=2) + "\n")
        except (OSError, ValueError, ExportError) as err:
            raise CliError(f"{path}: {err}") from None
        out.note(f"{path}: the chain restarts at height {doc['initial_height']} from the export")
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if args.out_file is None:
        print(text, end="")
    else:
        Path(args.out_file).write_text(text)
        out.note(f"exported height {exported.height} of {exported.chain_id} to {args.out_file}")
    return EXIT_OK
