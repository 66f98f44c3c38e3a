"""Small corpus for clustering tests: three clear topics of eight contributions each."""

TOPICS = {
    "qualiopi": [
        "Les audits Qualiopi prennent trop de temps aux petites structures",
        "Qualiopi : alléger les audits pour les petits organismes",
        "Le coût des audits Qualiopi pèse sur les associations",
        "Simplifier la certification Qualiopi et ses audits",
        "Trop de preuves demandées par les auditeurs Qualiopi",
        "Audit Qualiopi : un référentiel trop lourd",
        "Les indicateurs Qualiopi sont mal compris par les auditeurs",
        "Mutualiser la préparation des audits Qualiopi entre organismes",
    ],
    "financement": [
        "Les appels d'offres régionaux ont des lots trop gros",
        "Le critère prix domine encore les marchés publics de formation",
        "Délais de réponse aux appels d'offres beaucoup trop courts",
        "Les petits organismes répondent aux marchés en cotraitance forcée",
        "Financer la formation par des subventions plutôt que des marchés",
        "Appels d'offres : revoir la pondération du prix",
        "Marchés publics de formation : allotir plus finement",
        "Les financements régionaux arrivent trop tard dans l'année",
    ],
    "formateurs": [
        "Les formateurs vacataires ne sont pas payés pour la préparation",
        "Turn-over énorme des formateurs faute de rémunération",
        "Reconnaître le temps de préparation des formateurs",
        "Former les formateurs au numérique et à l'hybride",
        "Les formateurs indépendants manquent de statut",
        "Rémunération des formateurs : l'heure de face-à-face ne suffit pas",
        "Fidéliser les formateurs par des contrats plus stables",
        "Les formateurs s'épuisent entre plusieurs organismes",
    ],
}
