"""Outreach in the portal: reminder rules with the client, what was sent and answered."""
