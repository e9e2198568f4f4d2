"""Exports of feedback, complaints, problems reported, change notices and deliveries."""
