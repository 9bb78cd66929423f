"""Customer analytics the program computes and keeps: RFM scores (recency, frequency and
monetary quintiles of each customer's purchases), recomputed by a set-based job."""
