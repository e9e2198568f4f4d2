"""The council's transport data: importing the route-planning export, saving it, staff views, driver and assistant changes."""
