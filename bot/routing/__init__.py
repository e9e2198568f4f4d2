"""What every update passes through around the menu's handlers: recording, the throttle, typed-text routing, bad input, errors."""
