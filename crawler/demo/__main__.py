"""``python -m crawler.demo [--port N]``: serve the demo site until Ctrl-C."""

from __future__ import annotations

import argparse

from crawler.demo.server import DemoServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve The Daily Ledger demo news site.")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    args = parser.parse_args(argv)
    server = DemoServer(args.host, args.port)
    print(f"Demo site at {server.url} (Ctrl-C to stop)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
