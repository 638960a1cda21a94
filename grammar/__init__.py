"""The Lark grammar of the .pde language, shipped as package data (pde.lark)."""
