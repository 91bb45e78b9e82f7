"""ui wing of Nanum Kiosk (see DESIGN.md section 1)."""
