"""Fixed ingredients of the demo organisations: charts of accounts, tax rates, items, names."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OrgSpec:
    name: str
    short_code: str
    base_currency: str
    timezone: str
    country: str
    version: str
    tax: str  # which tax table: NZ, UK, US
    contacts: int
    invoices: int  # sales invoices and bills together
    quotes: int
    #: Foreign currency -> units per one unit of the base currency.
    foreign: dict[str, Decimal]
    lock_dates: bool
    city: str
    region: str
    email_tld: str
    #: credit notes besides those behind invoices' AmountCredited (0: a share of the invoices)
    credit_notes: int = 0
    #: a large organisation names duplicate contacts "Name 2" instead of drawing again
    numbered_duplicates: bool = False


ORGS = (
    OrgSpec(
        name="Demo Company (NZ)",
        short_code="!aB3dE",
        base_currency="NZD",
        timezone="NEWZEALANDSTANDARDTIME",
        country="NZ",
        version="NZ",
        tax="NZ",
        contacts=165,
        invoices=300,
        quotes=95,
        foreign={"USD": Decimal("0.5900"), "AUD": Decimal("0.9150"), "GBP": Decimal("0.4700")},
        lock_dates=True,
        city="Wellington",
        region="Wellington",
        email_tld="co.nz",
    ),
    OrgSpec(
        name="Demo Company (UK)",
        short_code="!kL9mN",
        base_currency="GBP",
        timezone="GMTSTANDARDTIME",
        country="GB",
        version="UK",
        tax="UK",
        contacts=155,
        invoices=220,
        quotes=75,
        foreign={},
        lock_dates=False,
        city="London",
        region="Greater London",
        email_tld="co.uk",
    ),
    OrgSpec(
        name="Demo Company (US)",
        short_code="!pQ7rS",
        base_currency="USD",
        timezone="EASTERNSTANDARDTIME",
        country="US",
        version="US",
        tax="US",
        contacts=40,
        invoices=60,
        quotes=20,
        foreign={},
        lock_dates=False,
        city="New York",
        region="NY",
        email_tld="com",
    ),
)

#: The large organisation seeded on demand (`flask sandbox seed --size large`), for sync and
#: paging at the scale of a busy company; never part of the default three.
LARGE = OrgSpec(
    name="Demo Company (Large)",
    short_code="!Lg8tQ",
    base_currency="NZD",
    timezone="NEWZEALANDSTANDARDTIME",
    country="NZ",
    version="NZ",
    tax="NZ",
    contacts=10_000,
    invoices=50_000,
    quotes=5_000,
    foreign={"USD": Decimal("0.5900"), "AUD": Decimal("0.9150")},
    lock_dates=False,
    city="Auckland",
    region="Auckland",
    email_tld="co.nz",
    credit_notes=1_300,  # and about 700 behind invoices' AmountCredited: ~2,000 in all
    numbered_duplicates=True,
)

CURRENCY_NAMES = {
    "NZD": "New Zealand Dollar",
    "USD": "United States Dollar",
    "AUD": "Australian Dollar",
    "GBP": "British Pound",
}

# (TaxType, Name, rate, status, applies to revenue, applies to expenses)
TAX_RATES = {
    "NZ": [
        ("OUTPUT2", "GST on Income", "15", "ACTIVE", True, False),
        ("INPUT2", "GST on Expenses", "15", "ACTIVE", False, True),
        ("NONE", "No GST", "0", "ACTIVE", True, True),
        ("ZERORATED", "Zero Rated", "0", "ACTIVE", True, True),
        ("GSTONIMPORTS", "GST on Imports", "0", "ACTIVE", False, True),
        ("OUTPUT", "GST on Income (12.5%, retired)", "12.5", "DELETED", True, False),
    ],
    "UK": [
        ("OUTPUT2", "20% (VAT on Income)", "20", "ACTIVE", True, False),
        ("INPUT2", "20% (VAT on Expenses)", "20", "ACTIVE", False, True),
        ("RROUTPUT", "5% (VAT on Income)", "5", "ACTIVE", True, False),
        ("RRINPUT", "5% (VAT on Expenses)", "5", "ACTIVE", False, True),
        ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "ACTIVE", True, False),
        ("ZERORATEDINPUT", "Zero Rated Expenses", "0", "ACTIVE", False, True),
        ("EXEMPTOUTPUT", "Exempt Income", "0", "ACTIVE", True, False),
        ("EXEMPTINPUT", "Exempt Expenses", "0", "ACTIVE", False, True),
        ("NONE", "No VAT", "0", "ACTIVE", True, True),
    ],
    "US": [
        ("OUTPUT", "Sales Tax on Sales", "8.875", "ACTIVE", True, False),
        ("INPUT", "Sales Tax on Purchases", "0", "ACTIVE", False, True),
        ("NONE", "Tax Exempt", "0", "ACTIVE", True, True),
    ],
}

#: (kind, code, name, type, status); TaxType comes from the org's sales or purchase default.
ACCOUNTS = [
    ("bank", "090", "Business Bank Account", "BANK", "ACTIVE"),
    ("sales", "200", "Sales", "REVENUE", "ACTIVE"),
    ("sales", "205", "Service Revenue", "REVENUE", "ACTIVE"),
    ("sales", "260", "Other Revenue", "REVENUE", "ACTIVE"),
    ("none", "270", "Interest Income", "REVENUE", "ACTIVE"),
    ("sales", "220", "Legacy Sales", "REVENUE", "ARCHIVED"),
    ("purchase", "300", "Purchases", "DIRECTCOSTS", "ACTIVE"),
    ("purchase", "310", "Cost of Goods Sold", "DIRECTCOSTS", "ACTIVE"),
    ("purchase", "400", "Advertising", "EXPENSE", "ACTIVE"),
    ("none", "404", "Bank Fees", "EXPENSE", "ACTIVE"),
    ("purchase", "408", "Cleaning", "EXPENSE", "ACTIVE"),
    ("purchase", "412", "Consulting & Accounting", "EXPENSE", "ACTIVE"),
    ("purchase", "429", "General Expenses", "EXPENSE", "ACTIVE"),
    ("purchase", "433", "Insurance", "EXPENSE", "ACTIVE"),
    ("purchase", "445", "Light, Power, Heating", "EXPENSE", "ACTIVE"),
    ("purchase", "449", "Motor Vehicle Expenses", "EXPENSE", "ACTIVE"),
    ("purchase", "469", "Rent", "EXPENSE", "ACTIVE"),
    ("purchase", "489", "Telephone & Internet", "EXPENSE", "ACTIVE"),
    ("purchase", "493", "Travel - National", "EXPENSE", "ACTIVE"),
    ("purchase", "495", "Old Office Expenses", "EXPENSE", "ARCHIVED"),
    ("none", "610", "Accounts Receivable", "CURRENT", "ACTIVE"),
    ("none", "800", "Accounts Payable", "CURRLIAB", "ACTIVE"),
    ("none", "820", "Sales Tax", "CURRLIAB", "ACTIVE"),
]

ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "REVENUE": "REVENUE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "CURRLIAB": "LIABILITY",
}
SYSTEM_ACCOUNTS = {"610": "DEBTORS", "800": "CREDITORS", "820": "GST"}

#: (code, name, sales price, purchase price)
ITEMS = [
    ("DEV-HR", "Development (hour)", "165.00", "95.00"),
    ("SUPPORT", "Support plan (month)", "249.00", "120.00"),
    ("TRAINING", "Training day", "1450.00", "800.00"),
    ("WIDGET-A", "Widget A", "24.95", "11.40"),
    ("WIDGET-B", "Widget B (bulk pack)", "189.00", "92.50"),
    ("LICENCE", "Software licence (seat)", "39.00", "18.00"),
    ("SETUP", "Setup fee", "500.00", "0.00"),
    ("SHIPPING", "Shipping and handling", "15.00", "9.50"),
]

FIRST_NAMES = [
    "Aroha",
    "Ben",
    "Chloe",
    "Daniel",
    "Emma",
    "Finn",
    "Grace",
    "Hamish",
    "Isla",
    "James",
    "Kiri",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Priya",
    "Quinn",
    "Rua",
    "Sophie",
    "Tama",
    "Uma",
    "Victor",
    "Wiremu",
    "Xavier",
    "Yasmin",
    "Zoe",
    "Amelia",
    "Oscar",
    "Ruby",
    "Leo",
    "Hannah",
    "Mateo",
    "Ella",
    "Arjun",
    "Freya",
    "Hugo",
    "Ivy",
    "Jack",
    "Lucy",
    "Nikau",
]
LAST_NAMES = [
    "Smith",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Ngata",
    "Walker",
    "Harris",
    "Patel",
    "Thompson",
    "Clarke",
    "Kaur",
    "Young",
    "Robinson",
    "Wright",
    "Martin",
    "Parata",
    "Edwards",
    "Singh",
    "White",
    "Hughes",
    "Campbell",
    "Scott",
    "Baker",
    "Green",
    "Adams",
    "Mitchell",
    "Turner",
    "Phillips",
    "Evans",
    "Murray",
    "Reid",
    "Kennedy",
    "Fraser",
    "Stewart",
    "Tane",
    "Wood",
    "Cooper",
    "Bell",
    "Hall",
]
COMPANY_WORDS = [
    "Ridgeway",
    "Bayside",
    "Harbour",
    "Summit",
    "Kauri",
    "Totara",
    "Pohutukawa",
    "Northern",
    "Southern",
    "Coastal",
    "Alpine",
    "Meridian",
    "Pioneer",
    "Silverfern",
    "Bluewater",
    "Redwood",
    "Ironbark",
    "Kowhai",
    "Matai",
    "Rimu",
    "Harakeke",
    "Tui",
    "Kereru",
    "Piwakawaka",
    "Koru",
    "Waka",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Horizon",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchard",
    "Prism",
    "Quarry",
    "Riverstone",
    "Sable",
    "Tandem",
    "Upland",
    "Vista",
]
COMPANY_TRADES = [
    "Print",
    "Supplies",
    "Consulting",
    "Builders",
    "Plumbing",
    "Electrical",
    "Logistics",
    "Design",
    "Media",
    "Catering",
    "Software",
    "Engineering",
    "Landscaping",
    "Cleaning",
    "Motors",
    "Trading",
    "Legal",
    "Accounting",
    "Studio",
    "Imports",
]
COMPANY_SUFFIX = ("Ltd", "Limited", "& Co", "Group", "", "")
PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "xtra.co.nz")
STREETS = [
    "Queen",
    "Victoria",
    "Lambton",
    "Cuba",
    "Willis",
    "Featherston",
    "Jervois",
    "Ponsonby",
    "Karangahape",
]
