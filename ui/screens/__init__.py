"""The resident screens: plain widget classes fed by kiosk services."""
