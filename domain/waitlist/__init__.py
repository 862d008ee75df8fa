"""The waiting list: patients waiting for a slot of a doctor in a window of time.

When a slot in the window frees, the first patient waiting for it (by time of joining) is
offered it: the slot is held for them for OFFER_MINUTES and they are notified. Booking it
in that time takes the hold over; an offer that runs out goes to the next one waiting.
"""
