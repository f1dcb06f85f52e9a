"""WSGI entry point for gunicorn: `gunicorn wsgi:app`. Never starts the scheduler."""
from config import ProdConfig
from okrapp import create_app

app = create_app(ProdConfig)
