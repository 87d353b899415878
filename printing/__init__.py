"""Certificates, forms and QR codes as PDF bytes. No Qt."""
