"""Complaints procedures as data: the YAML profiles in this folder, and the working-day
arithmetic their deadlines need."""
