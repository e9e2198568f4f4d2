"""Problems reported on the day: the family's report, the bot's steps and the officers' casework."""
