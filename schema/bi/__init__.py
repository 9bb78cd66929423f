"""Business intelligence: RFM scores, cohorts, top products, the program's ROI."""
