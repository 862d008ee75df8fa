"""Referrals: a treating doctor sends a patient to another doctor, who accepts or declines;
an accepted referral is booked into one of the receiving doctor's slots."""
