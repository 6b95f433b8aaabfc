"""Pricing: the price catalog (data) and the per-service cost models that turn usage into line items."""
