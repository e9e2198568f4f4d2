"""Complaints under the Complaint Handling Code: the bot's steps, the timetable, the officers' queue and answers."""
