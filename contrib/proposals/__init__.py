"""Proposal pages: moderators merge contributions into proposals; anyone reads a proposal."""
