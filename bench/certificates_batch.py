"""Printing a seminar as one PDF: the batch path against the plain path, in one run.

    .venv/bin/python bench/certificates_batch.py [--people 200] [--workers N]
    .venv/bin/python bench/certificates_batch.py --people 1000

* plain path - what a first attempt does: for each person ``HTML(string=...).write_pdf()``
  with WeasyPrint's defaults (a fresh FontConfiguration, the default URL fetcher, the
  stylesheet parsed every time);
* batch path - what a print job runs, ``registry.certificates.overlay.render_batch``: the
  seminar's design rendered once as a background, each person's slots as overlay pages
  (many per document) stamped on it, in chunks over one warmed worker process per core,
  each chunk a file, joined by ``pdfunite`` into one PDF for the printer.

Each path runs in a child process of its own, so the figures are its own: wall time,
milliseconds per certificate, and peak memory - the memory of the child and every process
under it (workers, pdfunite) added up, sampled every 50 ms from /proc: PSS (shared pages -
libraries, fonts - split between the processes that map them; the verdict's figure) and RSS
(each process's whole resident set), next to the largest single process (``getrusage``). Goals (issue 21): the batch path at least 3x the
plain path per certificate at 200 people; at most 300 MB at its peak at 1,000. Each figure
is printed with its goal and verdict. Sizes on a shared machine, not promises.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ["Ғайратжон Ўроқов", "Gʻayratjon Oʻroqov", "Өлзийбаяр Батболд", "Nguyễn Thị Thắm",
         "Щербакова Юлия Сергеевна", "Абдуллаев Ғайратжон Қаҳрамонович ўғли"]


def people(count: int):
    from registry.certificates.pdf import PrintedCertificate, Signatory

    return [PrintedCertificate(
        number=f"IA-2026-{i:05d}", holder_name=f"{NAMES[i % len(NAMES)]} {i}",
        holder_latin_name=None, course_title="ISO 9001:2015 ички аудитори",
        standards="ISO 9001:2015, ISO 19011:2018", hours=40, start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 6), issued_on=date(2026, 3, 10), valid_until=date(2029, 3, 10),
        issuer_name="Oʻzbekiston texnik jihatdan tartibga solish agentligi", issuer_logo=None,
        issuer_logo_type=None, signatories=(Signatory("Батбаяр Дорж", "Дарга"),),
        verification_url=f"https://registry.example.uz/v/7K3M9Q2X4Z8B6N1R5T0V2W{i:04d}")
        for i in range(1, count + 1)]


def plain_path(count: int, _workers: int) -> int:
    from weasyprint import HTML

    from registry.certificates.pdf import certificate_html
    from registry.documents import STATIC_BASE_URL

    size = 0
    for certificate in people(count):
        size += len(HTML(string=certificate_html(certificate), base_url=STATIC_BASE_URL).write_pdf())
    return size


def batch_path(count: int, workers: int) -> int:
    from registry.certificates.overlay import render_batch

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        target = os.path.join(folder, "seminar.pdf")
        render_batch(people(count), target, workers=workers)
        return os.path.getsize(target)


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """The memory of ``root`` and every process under it, added up (KB): resident (RSS: the
    libraries and fonts every process maps counted in each) and proportional (PSS: what
    they share split between them - what the processes take from the machine together)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
    rss = pss = 0
    for pid in parents:
        ancestor = pid
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor, 0)
        if ancestor != root:
            continue
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                fields = dict(line.split(":", 1) for line in rollup if ":" in line)
        except OSError:
            continue
        rss += int(fields.get("Rss", "0 kB").split()[0])
        pss += int(fields.get("Pss", "0 kB").split()[0])
    return rss, pss


class PeakSampler(threading.Thread):
    """The highest ``_tree_memory_kb`` of this process seen while it runs."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval, self.stopped = interval, threading.Event()
        self.peak_rss_kb = self.peak_pss_kb = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            rss, pss = _tree_memory_kb(os.getpid())
            self.peak_rss_kb, self.peak_pss_kb = (max(self.peak_rss_kb, rss),
                                                  max(self.peak_pss_kb, pss))
            self.stopped.wait(self.interval)


def _child(name: str, count: int, workers: int, results) -> None:
    sampler = PeakSampler()
    sampler.start()
    started = time.perf_counter()
    size = {"plain": plain_path, "batch": batch_path}[name](count, workers)
    elapsed = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results.put({"name": name, "seconds": elapsed, "bytes": size,
                 "peak_mb": max(sampler.peak_pss_kb, own, workers_peak) / 1024,
                 "rss_sum_mb": sampler.peak_rss_kb / 1024,
                 "own_mb": own / 1024, "workers_mb": workers_peak / 1024})


def measure(name: str, count: int, workers: int) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(name, count, workers, results))
    process.start()
    result = results.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{args.people} certificates, {os.cpu_count()} CPU cores (load average {load:.1f}), "
          f"batch workers: {args.workers}")
    print(f"{'path':<8}{'total s':>9}{'ms/cert':>9}{'cert/s':>8}{'peak MB':>9}  detail "
          "(peak: every process of the path together, PSS)")
    rows = [measure(name, args.people, args.workers) for name in ("plain", "batch")]
    for row in rows:
        detail = (f"one process, {row['bytes'] / args.people / 1024:.0f} KB per PDF"
                  if row["name"] == "plain" else
                  f"parent {row['own_mb']:.0f} MB, largest child {row['workers_mb']:.0f} MB, "
                  f"RSS added up {row['rss_sum_mb']:.0f} MB, "
                  f"merged PDF {row['bytes'] / 1024 / 1024:.1f} MB")
        print(f"{row['name']:<8}{row['seconds']:>9.1f}{row['seconds'] * 1000 / args.people:>9.0f}"
              f"{args.people / row['seconds']:>8.1f}{row['peak_mb']:>9.0f}  {detail}")
    plain, batch = rows
    speedup = plain["seconds"] / batch["seconds"]
    print(f"batch path {speedup:.1f}x the plain path per certificate   goal >= 3x at 200 people"
          f"   {verdict(speedup >= 3)}{'' if args.people == 200 else ' (measured at ' + str(args.people) + ')'}")
    print(f"batch peak {batch['peak_mb']:.0f} MB (all its processes, PSS) goal <= 300 MB at 1,000"
          f"   {verdict(batch['peak_mb'] <= 300)}{'' if args.people == 1000 else ' (measured at ' + str(args.people) + ')'}")
    print(f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(json.dumps({"people": args.people, "plain_ms_per_cert":
                      round(plain["seconds"] * 1000 / args.people, 1),
                      "batch_ms_per_cert": round(batch["seconds"] * 1000 / args.people, 1),
                      "speedup": round(speedup, 2),
                      "plain_peak_mb": round(plain["peak_mb"]),
                      "batch_peak_mb": round(batch["peak_mb"])}))


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


if __name__ == "__main__":
    main()
