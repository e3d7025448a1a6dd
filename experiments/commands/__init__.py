"""One module per `rainforest` subcommand; each has ``register(subparsers)``."""
