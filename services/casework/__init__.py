"""What complaints and problems share: duty alerts, the daily digest, attachments, notices to families and what they see."""
