"""The rules catalogue (RD codes), the planning rubric, trajectories and likelihood (pure)."""
