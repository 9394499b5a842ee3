"""Staff accounts in the admin console: create, roles and unit, switch off, resets, and the
one-time enrolment links through which a person sets their password and authenticator."""
