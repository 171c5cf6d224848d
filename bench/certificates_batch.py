"""Printing a 200-person seminar: the batch path against the plain path, in one run.

    .venv/bin/python bench/certificates_batch.py [--people 200] [--workers N]

* plain path - what a first attempt does: for each person ``HTML(string=...).write_pdf()``
  with WeasyPrint's defaults (a fresh FontConfiguration, the default URL fetcher);
* batch path - ``registry.certificates.pdf.render_certificates``: one shared
  FontConfiguration per process, the safe fetcher, chunks over one warmed worker per core,
  then merged into one PDF for the printer.

Each path runs in a child process of its own, so the figures are its own: wall time,
milliseconds per certificate, and peak resident memory (the child's, plus its workers' for
the batch path, from ``getrusage(RUSAGE_CHILDREN)``). Sizes on a shared machine, not promises.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
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
    from registry.certificates.pdf import merge_pdfs, render_certificates

    return len(merge_pdfs(render_certificates(people(count), workers=workers)))


def _child(name: str, count: int, workers: int, results) -> None:
    started = time.perf_counter()
    size = {"plain": plain_path, "batch": batch_path}[name](count, workers)
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results.put({"name": name, "seconds": elapsed, "bytes": size,
                 "peak_mb": max(own, workers_peak) / 1024, "own_mb": own / 1024,
                 "workers_mb": workers_peak / 1024})


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
    print(f"{args.people} certificates, {os.cpu_count()} CPU cores, batch workers: {args.workers}")
    print(f"{'path':<8}{'total s':>9}{'ms/cert':>9}{'cert/s':>8}{'peak MB':>9}  detail")
    rows = [measure(name, args.people, args.workers) for name in ("plain", "batch")]
    for row in rows:
        detail = (f"one process, {row['bytes'] / args.people / 1024:.0f} KB per PDF"
                  if row["name"] == "plain" else
                  f"parent {row['own_mb']:.0f} MB, largest worker {row['workers_mb']:.0f} MB, "
                  f"merged PDF {row['bytes'] / 1024 / 1024:.1f} MB")
        print(f"{row['name']:<8}{row['seconds']:>9.1f}{row['seconds'] * 1000 / args.people:>9.0f}"
              f"{args.people / row['seconds']:>8.1f}{row['peak_mb']:>9.0f}  {detail}")
    plain, batch = rows
    print(f"batch path: {plain['seconds'] / batch['seconds']:.1f}x faster")
    print(json.dumps({"people": args.people, "plain_ms_per_cert":
                      round(plain["seconds"] * 1000 / args.people, 1),
                      "batch_ms_per_cert": round(batch["seconds"] * 1000 / args.people, 1),
                      "plain_peak_mb": round(plain["peak_mb"]),
                      "batch_peak_mb": round(batch["peak_mb"])}))


if __name__ == "__main__":
    main()
