from flask import Blueprint
bp = Blueprint("clustering", __name__)
