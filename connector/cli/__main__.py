"""`python -m connector.cli`: the `rdsync` command, for a checkout without the script installed."""

from connector.cli import main

main()
