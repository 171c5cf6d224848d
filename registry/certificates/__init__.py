"""Certificates: issue, print, re-issue, revoke; PDF with QR; public verification."""
