def test_home_lists_open_processes(client, factory):
    """Can a visitor see the open processes on the home page?"""
    factory.process(title="Rencontre régionale Occitanie")
    factory.process(title="Démarche close", is_open=False)
    html = client.get("/").text
    assert "Rencontre régionale Occitanie" in html
    assert html.index("Démarches closes") < html.index("Démarche close</a>")
