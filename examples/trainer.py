#!/usr/bin/env python3
"""A trainer for VisuTility Tuner using only Python's standard library.

    python3 examples/trainer.py [--url http://127.0.0.1:3000] [--runs 50] [--workers 1]

Creates a study, then asks for params, "trains" (a noisy quadratic with live metrics), and reports the
result, until the study's maxRuns is reached. Replace `train` with your own training loop.
"""
import argparse, http.client, json, math, os, random, sys, threading, urllib.error, urllib.request, uuid


def backoff(attempt):
    """Seconds to wait before retry number `attempt + 1`: 0.5, 1, 2, 4, then 8 (about 30 s in all,
    enough for a restarted service to come back)."""
    return min(0.5 * 2 ** attempt, 8.0)


def call(base, method, path, body=None, key=None, retries=8):
    """One API call, retried after 5xx, 429 and connection errors (honouring Retry-After). Every call
    this trainer makes is safe to repeat: the create and the asks carry an Idempotency-Key (a retry
    whose first attempt did the work gets the same study or run), and metrics, completions and reads
    are answered the same when repeated. A 409 RequestInProgress means an earlier attempt of the
    same key still holds it: wait and retry."""
    headers = {"content-type": "application/json"}
    if os.environ.get("TUNER_API_KEY"):
        headers["x-api-key"] = os.environ["TUNER_API_KEY"]
    if key:
        headers["idempotency-key"] = key
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(retries):
        req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                text = res.read()
                return res.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            payload = json.loads(e.read() or b"null")
            busy = e.code == 409 and (payload or {}).get("error", {}).get("code") == "RequestInProgress"
            if (e.code >= 500 or e.code == 429 or busy) and attempt < retries - 1:
                threading.Event().wait(float(e.headers.get("retry-after", str(backoff(attempt)))))
                continue
            return e.code, payload
        except (OSError, http.client.HTTPException):
            # Refused, reset or timed out, also while reading the answer (the service restarting, a
            # dropped connection): URLError, ConnectionResetError, RemoteDisconnected, IncompleteRead.
            if attempt == retries - 1:
                raise
            threading.Event().wait(backoff(attempt))


def train(params, report):
    """Stand-in for real training: loss falls towards a value that depends on the params."""
    target = (math.log10(params["lr"]) + 3) ** 2 + (params["layers"] - 4) ** 2 / 10
    target += 0.3 if params["optimizer"] == "sgd" else 0.0
    for step in range(1, 6):
        loss = target + 2.0 / step + random.random() * 0.01
        if report(step, loss):
            return None  # pruned: stop early
    return loss


def worker(base, study_id, done, errors):
    try:
        work(base, study_id, done)
    except Exception as e:  # the tuner stayed unreachable: stop this worker, and say so at the end
        errors.append(f"{threading.current_thread().name}: {e!r}")


def work(base, study_id, done):
    while True:
        status, run = call(base, "POST", f"/studies/{study_id}/runs", {"workerId": threading.current_thread().name}, key=str(uuid.uuid4()))
        if status == 409:  # StudyExhausted or StudyStopped: nothing left to do
            return
        assert status == 201, run
        path = f"/studies/{study_id}/runs/{run['runId']}"
        report = lambda step, value: call(base, "POST", path + "/metrics", {"step": step, "value": value})[1]["prune"]
        try:
            value = train(run["params"], report)
        except Exception as e:  # a crashed run is reported, never left running
            call(base, "POST", path + "/complete", {"status": "failed", "reason": str(e)[:1000]})
            continue
        if value is not None:
            call(base, "POST", path + "/complete", {"value": value})
        done.append(run["number"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default=os.environ.get("TUNER_URL", "http://127.0.0.1:3000"))
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--strategy", default="auto")
    args = p.parse_args()
    space = {
        "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
        "layers": {"type": "int", "low": 1, "high": 8},
        "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]},
    }
    body = {"name": "python-example", "space": space, "maxRuns": args.runs, "strategy": {"name": args.strategy}}
    status, study = call(args.url, "POST", "/studies", body, key=str(uuid.uuid4()))
    assert status == 201, study
    done, errors = [], []
    threads = [threading.Thread(target=worker, args=(args.url, study["studyId"], done, errors), name=f"w{i}") for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, final = call(args.url, "GET", f"/studies/{study['studyId']}")
    print(json.dumps({"studyId": study["studyId"], "runs": len(done), "counts": final["counts"], "best": final["best"]}))
    if errors:
        print("workers stopped early:\n  " + "\n  ".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
