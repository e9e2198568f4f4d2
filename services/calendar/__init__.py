"""The council's calendar: working days and bank holidays, academic years and their terms."""
