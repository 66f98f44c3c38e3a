from contrib import create_app

app = create_app()
