"""The officials' web application: server-rendered pages over the four services' APIs; owns sessions only."""
