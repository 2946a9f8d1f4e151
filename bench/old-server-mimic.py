"""The bench's peer: a stand-in for the old Python server's history routes, written from its behaviour.

What it does, as the old server did (see bench/README.md, "The old API"):
  - one thread: http.server.HTTPServer with a BaseHTTPRequestHandler (HTTP/1.0, one request per connection,
    the answer without Content-Length, closed at its end);
  - POST /save-jobs: read Content-Length bytes, json.loads, then build {jobs, lastJobId, savedAt, version},
    copy job_history.json to job_history.json.backup with shutil.copy2 when it exists, open the file for
    writing and json.dump it with indent=2, ensure_ascii=False (no fsync, no temp file), answer with the size;
  - GET /load-jobs: json.load the file and answer {status, jobs, lastJobId, savedAt, message} with json.dumps;
  - GET /health: status and uptime only.
What it leaves out: PixelLab (generation, rotation, the balance in /health), Pillow and dotenv imports, the
test-case routes. Nothing here calls anything but the loopback socket it listens on.

Usage: python3 bench/old-server-mimic.py --data-dir DIR [--port N]   (prints "listening on http://...")
"""

import argparse
import json
import shutil
import sys
import time
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

STARTED = time.time()


def make_handler(history: Path):
    backup = history.with_suffix(".json.backup")

    def read_history():
        if not history.exists():
            return {"status": "ok", "jobs": [], "lastJobId": 1, "message": "No history file found"}
        with open(history, "r") as handle:
            data = json.load(handle)
        jobs = data.get("jobs", [])
        return {
            "status": "ok",
            "jobs": jobs,
            "lastJobId": data.get("lastJobId", 1),
            "savedAt": data.get("savedAt"),
            "message": f"Loaded {len(jobs)} jobs",
        }

    def write_history(jobs, last_job_id):
        saved_at = datetime.utcnow().isoformat()
        document = {"jobs": jobs, "lastJobId": last_job_id, "savedAt": saved_at, "version": "1.0"}
        if history.exists():
            shutil.copy2(history, backup)
        with open(history, "w") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
        return {
            "status": "ok",
            "message": f"Saved {len(jobs)} jobs",
            "savedAt": saved_at,
            "fileSize": history.stat().st_size,
        }

    class Handler(BaseHTTPRequestHandler):
        def answer(self, payload, status=HTTPStatus.OK):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.end_headers()
            self.wfile.write(json.dumps(payload).encode("utf-8"))

        def do_GET(self):  # noqa: N802 (http.server's naming)
            try:
                if self.path == "/health":
                    self.answer({"status": "ok", "uptime_seconds": time.time() - STARTED})
                elif self.path == "/load-jobs":
                    try:
                        self.answer(read_history())
                    except Exception as error:  # the old server answered 200 with status "error"
                        self.answer({"status": "error", "message": str(error), "jobs": [], "lastJobId": 1})
                else:
                    self.answer({"error": "Endpoint not found"}, HTTPStatus.NOT_FOUND)
            except Exception as error:
                self.answer({"error": str(error)}, HTTPStatus.INTERNAL_SERVER_ERROR)

        def do_POST(self):  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length) if length else b"{}"
                payload = json.loads(body or b"{}")
                if self.path == "/save-jobs":
                    try:
                        result = write_history(payload.get("jobs", []), payload.get("lastJobId", 1))
                    except Exception as error:
                        result = {"status": "error", "message": str(error)}
                    self.answer(result)
                else:
                    self.answer({"error": "Endpoint not found"}, HTTPStatus.NOT_FOUND)
            except Exception as error:
                self.answer({"status": "fail", "error_message": str(error)}, HTTPStatus.INTERNAL_SERVER_ERROR)

        def log_message(self, format, *args):  # noqa: A002 (quiet, as the old server)
            return

    return Handler


def main():
    parser = argparse.ArgumentParser(description="the old server's /save-jobs and /load-jobs, for the bench")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = HTTPServer(("127.0.0.1", args.port), make_handler(data_dir / "job_history.json"))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
