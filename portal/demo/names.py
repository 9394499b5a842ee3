"""Who lives in the demo municipality: names, areas, skills and the goals people set."""

DEMO_PASSWORD = "demo"
#: The demo's daily reminder, one of the ready-made texts clients can choose, in their language.
TAKE_MEDICINE = "Ta din medicin"
FIRST_NAMES = [
    "Ali",
    "Amina",
    "Bengt",
    "Birgitta",
    "Dragan",
    "Eva",
    "Fatima",
    "Gunnar",
    "Hanna",
    "Ibrahim",
    "Johan",
    "Karl",
    "Leila",
    "Lina",
    "Mats",
    "Nadia",
    "Per",
    "Sara",
    "Tove",
    "Yusuf",
    "Zeynep",
    "Elin",
    "Jonas",
    "Maja",
]
LAST_NAMES = [
    "Andersson",
    "Berg",
    "Ahmed",
    "Nilsson",
    "Hassan",
    "Lund",
    "Karlsson",
    "Öberg",
    "Persson",
    "Yilmaz",
    "Holm",
    "Ek",
    "Lindqvist",
    "Mohammed",
    "Sjöberg",
]
AREAS = [
    ("Flemingsberg", 59.219, 17.947),
    ("Skogås", 59.218, 18.155),
    ("Trångsund", 59.227, 18.131),
    ("Vårby", 59.264, 17.884),
    ("Sjödalen", 59.236, 17.980),
    ("Stuvsta", 59.253, 17.997),
]
SKILLS = ["autism", "intellectual_disability", "psychiatric", "adhd", "substance_use", "mi", "esl"]
LANGS = ["sv", "en", "ar", "so", "tr", "fa", "bs"]
GOALS = [
    ("Jag vill kunna handla mat själv.", "Vi handlar tillsammans på tisdagar.", "boende"),
    ("Jag vill ha ordning på mina räkningar.", "Vi går igenom posten varje vecka.", "ekonomi"),
    ("Jag vill komma upp på morgonen.", "Påminnelse kl 8 och en plan för morgonen.", "hälsa"),
    ("Jag vill träffa andra människor.", "Vi letar upp en träffpunkt.", "fritid"),
    ("Jag vill städa min lägenhet.", "Vi gör ett städschema.", "boende"),
]
