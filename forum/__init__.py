"""Crowdfix: a community support forum."""
