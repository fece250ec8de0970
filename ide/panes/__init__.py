"""The studio's panes (console, debugger, parameters, explorer); the inspectors live apart."""
