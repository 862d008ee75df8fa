"""Appointments: booking a doctor's slot, the status life cycle, reminders."""
