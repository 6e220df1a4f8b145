"""Gold: live 15-minute windows, daily KPIs and spike/drop alerts (contracts in docs/gold.md)."""
