"""Broadcasts: compose, render per carer, approve, schedule and send to an audience."""
