"""Sign-in for clients (SMS code, remembered device) and staff (password and TOTP)."""
