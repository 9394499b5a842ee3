"""How the support works, in the client's own words: "Hur går det?", the worker's rating beside
it, the survey before a follow-up, and the unit's outcome figures."""
