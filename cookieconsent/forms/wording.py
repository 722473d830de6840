"""The wording of the personal-data consent in kk, ru and en, written for this project.

Kept apart from the catalogs on purpose: these sentences become the text of published,
hashed consent documents, and must only change through a new document version. The terms are
the law's own (Law No. 94-V, Art. 1 and 8): ``docs/glossary.md`` lists them with their article.
"""

#: Raised whenever a sentence below changes. A document records the wording it was drafted with
#: (``details["wording"]``), so the console can offer to publish the site's document anew.
#: 1: the first wording (documents without the key); 2: collection and processing, the subject,
#: the limits of withdrawal, official state names; 3: the operator named by its BIN or, for a
#: sole trader or a natural person, its IIN (Art. 8 p. 4(1)).
WORDING_VERSION = 3

#: How each language abbreviates the operator's number: a legal entity's BIN, a person's IIN.
NUMBER_NAMES = {
    "kk": {"bin": "БСН", "iin": "ЖСН"},
    "ru": {"bin": "БИН", "iin": "ИИН"},
    "en": {"bin": "BIN", "iin": "IIN"},
}

#: Data a form commonly collects, named as the law's notices name them.
DATA_ITEMS = {
    "name": {"kk": "аты", "ru": "имя", "en": "name"},
    "phone": {"kk": "телефон нөмірі", "ru": "номер телефона", "en": "phone number"},
    "email": {
        "kk": "электрондық пошта мекенжайы",
        "ru": "адрес электронной почты",
        "en": "e-mail address",
    },
    "message": {"kk": "хабарлама мәтіні", "ru": "текст сообщения", "en": "text of the message"},
    "company": {"kk": "ұйымның атауы", "ru": "название организации", "en": "company name"},
    "city": {"kk": "қала", "ru": "город", "en": "city"},
}

#: Purposes a form commonly has, worded in the first person like the rest of the consent.
PURPOSES = {
    "reply": {
        "kk": "менің өтінішіме жауап беру",
        "ru": "ответ на моё обращение",
        "en": "answering my request",
    },
    "callback": {
        "kk": "маған қайта қоңырау шалу",
        "ru": "перезвонить мне",
        "en": "calling me back",
    },
    "order": {
        "kk": "менің тапсырысымды рәсімдеу және орындау",
        "ru": "оформление и исполнение моего заказа",
        "en": "placing and fulfilling my order",
    },
    "quality": {
        "kk": "қызмет көрсету сапасын бағалау",
        "ru": "оценка качества обслуживания",
        "en": "assessing the quality of service",
    },
}


#: Official names of the foreign states a document may name for a cross-border transfer
#: (the CLDR short names, «Киргизия», «ОАЭ», are not for a legal text), by ISO 3166 code.
STATES = {
    "AE": {"kk": "Біріккен Араб Әмірліктері", "ru": "Объединённые Арабские Эмираты",
           "en": "the United Arab Emirates"},
    "AM": {"kk": "Армения Республикасы", "ru": "Республика Армения",
           "en": "the Republic of Armenia"},
    "AT": {"kk": "Австрия Республикасы", "ru": "Австрийская Республика",
           "en": "the Republic of Austria"},
    "AZ": {"kk": "Әзірбайжан Республикасы", "ru": "Азербайджанская Республика",
           "en": "the Republic of Azerbaijan"},
    "BY": {"kk": "Беларусь Республикасы", "ru": "Республика Беларусь",
           "en": "the Republic of Belarus"},
    "CA": {"kk": "Канада", "ru": "Канада", "en": "Canada"},
    "CH": {"kk": "Швейцария Конфедерациясы", "ru": "Швейцарская Конфедерация",
           "en": "the Swiss Confederation"},
    "CN": {"kk": "Қытай Халық Республикасы", "ru": "Китайская Народная Республика",
           "en": "the People's Republic of China"},
    "CY": {"kk": "Кипр Республикасы", "ru": "Республика Кипр", "en": "the Republic of Cyprus"},
    "CZ": {"kk": "Чех Республикасы", "ru": "Чешская Республика", "en": "the Czech Republic"},
    "DE": {"kk": "Германия Федеративтік Республикасы", "ru": "Федеративная Республика Германия",
           "en": "the Federal Republic of Germany"},
    "EE": {"kk": "Эстония Республикасы", "ru": "Эстонская Республика",
           "en": "the Republic of Estonia"},
    "ES": {"kk": "Испания Корольдігі", "ru": "Королевство Испания", "en": "the Kingdom of Spain"},
    "FI": {"kk": "Финляндия Республикасы", "ru": "Финляндская Республика",
           "en": "the Republic of Finland"},
    "FR": {"kk": "Француз Республикасы", "ru": "Французская Республика",
           "en": "the French Republic"},
    "GB": {"kk": "Ұлыбритания және Солтүстік Ирландия Құрама Корольдігі",
           "ru": "Соединённое Королевство Великобритании и Северной Ирландии",
           "en": "the United Kingdom of Great Britain and Northern Ireland"},
    "GE": {"kk": "Грузия", "ru": "Грузия", "en": "Georgia"},
    "IE": {"kk": "Ирландия", "ru": "Ирландия", "en": "Ireland"},
    "IN": {"kk": "Үндістан Республикасы", "ru": "Республика Индия", "en": "the Republic of India"},
    "IT": {"kk": "Италия Республикасы", "ru": "Итальянская Республика",
           "en": "the Italian Republic"},
    "JP": {"kk": "Жапония", "ru": "Япония", "en": "Japan"},
    "KG": {"kk": "Қырғыз Республикасы", "ru": "Кыргызская Республика",
           "en": "the Kyrgyz Republic"},
    "KR": {"kk": "Корея Республикасы", "ru": "Республика Корея", "en": "the Republic of Korea"},
    "LT": {"kk": "Литва Республикасы", "ru": "Литовская Республика",
           "en": "the Republic of Lithuania"},
    "LV": {"kk": "Латвия Республикасы", "ru": "Латвийская Республика",
           "en": "the Republic of Latvia"},
    "MN": {"kk": "Моңғолия", "ru": "Монголия", "en": "Mongolia"},
    "NL": {"kk": "Нидерланд Корольдігі", "ru": "Королевство Нидерландов",
           "en": "the Kingdom of the Netherlands"},
    "PL": {"kk": "Польша Республикасы", "ru": "Республика Польша",
           "en": "the Republic of Poland"},
    "RU": {"kk": "Ресей Федерациясы", "ru": "Российская Федерация", "en": "the Russian Federation"},
    "SE": {"kk": "Швеция Корольдігі", "ru": "Королевство Швеция", "en": "the Kingdom of Sweden"},
    "SG": {"kk": "Сингапур Республикасы", "ru": "Республика Сингапур",
           "en": "the Republic of Singapore"},
    "TJ": {"kk": "Тәжікстан Республикасы", "ru": "Республика Таджикистан",
           "en": "the Republic of Tajikistan"},
    "TM": {"kk": "Түрікменстан", "ru": "Туркменистан", "en": "Turkmenistan"},
    "TR": {"kk": "Түркия Республикасы", "ru": "Турецкая Республика",
           "en": "the Republic of Türkiye"},
    "UA": {"kk": "Украина", "ru": "Украина", "en": "Ukraine"},
    "US": {"kk": "Америка Құрама Штаттары", "ru": "Соединённые Штаты Америки",
           "en": "the United States of America"},
    "UZ": {"kk": "Өзбекстан Республикасы", "ru": "Республика Узбекистан",
           "en": "the Republic of Uzbekistan"},
}


#: The sentences of the consent, per language. Placeholders are filled from the details.
TEMPLATES = {
    "kk": {
        "title": "Дербес деректерді жинауға және өңдеуге келісім",
        "intro": (
            "«{site}» сайтындағы форманы жіберіп, «Дербес деректерді жинауға және өңдеуге "
            "келісемін» деген белгіні қоя отырып, мен, дербес деректер субъектісі, Қазақстан "
            "Республикасының «Дербес деректер және оларды қорғау туралы» Заңына сәйкес өзімнің "
            "дербес деректерімді төменде көрсетілген шарттарда жинауға және өңдеуге келісім "
            "беремін."
        ),
        "operator": "Дербес деректер қамтылған база операторы: {name}, {number_name} {number}",
        "address": "мекенжайы: {address}",
        "contact": "өтініштерге арналған байланыс: {contact}",
        "subject": (
            "Дербес деректер субъектісі — форманы жіберген адам. Келісім туралы жазбада ол "
            "өзі көрсеткен телефон нөмірі және (немесе) электрондық пошта мекенжайы бойынша "
            "сәйкестендіріледі; олар ашық түрде сақталмайды, тек кілтпен есептелген хэші "
            "сақталады. Субъектіге келісім идентификаторы бар түбіртек беріледі."
        ),
        "data": "Жиналатын дербес деректердің тізбесі: {items}.",
        "purposes": "Жинау және өңдеу мақсаттары: {items}.",
        "term": (
            "Келісімнің қолданылу мерзімі: {term}. Келісім осы мерзім өткенге дейін немесе "
            "мен оны кері қайтарып алғанға дейін қолданылады."
        ),
        "third_none": "Дербес деректерді үшінші тұлғаларға беру: жүзеге асырылмайды.",
        "third_some": "Дербес деректер мына үшінші тұлғаларға беріледі: {items}.",
        "third_purpose": "{name} (мақсаты: {purpose})",
        "border_none": "Дербес деректерді трансшекаралық беру: жүзеге асырылмайды.",
        "border_some": (
            "Дербес деректерді трансшекаралық беру мына шет мемлекеттердің аумағына жүзеге "
            "асырылады: {items}."
        ),
        "public_no": (
            "Дербес деректерді жалпыға қолжетімді дереккөздерде тарату: жүзеге асырылмайды."
        ),
        "public_yes": (
            "Дербес деректерді жалпыға қолжетімді дереккөздерде тарату: жүзеге асырылады."
        ),
        "withdraw": (
            "Келісімді кері қайтарып алу: мен келісімді операторға{contact} жүгіну арқылы немесе "
            "форманы жіберген кезде берілген түбіртек арқылы кері қайтарып ала аламын, бұл "
            "Қазақстан Республикасының заңдарына қайшы келетін немесе орындалмаған міндеттеме "
            "бар жағдайларды қоспағанда. Кері қайтарып алу оған дейін жүргізілген жинау мен "
            "өңдеудің заңдылығына әсер етпейді."
        ),
        "withdraw_contact": " ({contact})",
    },
    "ru": {
        "title": "Согласие на сбор и обработку персональных данных",
        "intro": (
            "Отправляя форму на сайте «{site}» и отмечая поле «Даю согласие на сбор и обработку "
            "персональных данных», я, субъект персональных данных, в соответствии с Законом "
            "Республики Казахстан «О персональных данных и их защите» даю согласие на сбор и "
            "обработку моих персональных данных на условиях, изложенных ниже."
        ),
        "operator": "Оператор базы, содержащей персональные данные: {name}, {number_name} {number}",
        "address": "адрес: {address}",
        "contact": "контакт для обращений: {contact}",
        "subject": (
            "Субъект персональных данных — лицо, отправившее форму. В записи о согласии он "
            "идентифицируется по указанным им номеру телефона и (или) адресу электронной почты; "
            "они не хранятся в открытом виде, хранится только их хэш, вычисленный с ключом. "
            "Субъекту выдаётся квитанция с идентификатором согласия."
        ),
        "data": "Перечень собираемых персональных данных: {items}.",
        "purposes": "Цели сбора и обработки: {items}.",
        "term": (
            "Срок действия согласия: {term}. Согласие действует до истечения этого срока или "
            "до того, как я его отзову."
        ),
        "third_none": "Передача персональных данных третьим лицам: не осуществляется.",
        "third_some": "Персональные данные передаются следующим третьим лицам: {items}.",
        "third_purpose": "{name} (цель: {purpose})",
        "border_none": "Трансграничная передача персональных данных: не осуществляется.",
        "border_some": (
            "Трансграничная передача персональных данных осуществляется на территорию "
            "следующих иностранных государств: {items}."
        ),
        "public_no": "Распространение персональных данных в общедоступных источниках: "
                     "не осуществляется.",
        "public_yes": "Распространение персональных данных в общедоступных источниках: "
                      "осуществляется.",
        "withdraw": (
            "Отзыв согласия: я вправе отозвать согласие, обратившись к оператору{contact} или "
            "воспользовавшись квитанцией, выданной при отправке формы, за исключением случаев, "
            "когда это противоречит законам Республики Казахстан либо имеется неисполненное "
            "обязательство. Отзыв не влияет на законность сбора и обработки, проведённых до него."
        ),
        "withdraw_contact": " ({contact})",
    },
    "en": {
        "title": "Consent to the collection and processing of personal data",
        "intro": (
            "By sending the form on the site “{site}” with the box “I agree to the collection "
            "and processing of personal data” ticked, I, the data subject, in accordance with "
            "the Law of the Republic of Kazakhstan “On Personal Data and Their Protection”, "
            "consent to the collection and processing of my personal data on the terms below."
        ),
        "operator": (
            "Operator of the database containing personal data: {name}, {number_name} {number}"
        ),
        "address": "address: {address}",
        "contact": "contact for requests: {contact}",
        "subject": (
            "The data subject is the person who sent the form. The consent record identifies "
            "them by the phone number and (or) e-mail address they gave; these are not stored "
            "in clear, only their keyed hash is. The subject is given a receipt with the "
            "consent id."
        ),
        "data": "Personal data collected: {items}.",
        "purposes": "Purposes of collection and processing: {items}.",
        "term": (
            "Term of the consent: {term}. The consent is valid until this term ends or until I "
            "withdraw it."
        ),
        "third_none": "Transfer of the personal data to third parties: none.",
        "third_some": "The personal data is transferred to these third parties: {items}.",
        "third_purpose": "{name} (purpose: {purpose})",
        "border_none": "Cross-border transfer of the personal data: none.",
        "border_some": (
            "Cross-border transfer of the personal data takes place to the territory of these "
            "foreign states: {items}."
        ),
        "public_no": "Dissemination of the personal data in publicly available sources: none.",
        "public_yes": "Dissemination of the personal data in publicly available sources: "
                      "takes place.",
        "withdraw": (
            "Withdrawal: I may withdraw this consent by contacting the operator{contact} or "
            "with the receipt issued when the form was sent, except where this contradicts the "
            "laws of the Republic of Kazakhstan or an obligation is unfulfilled. Withdrawal does "
            "not affect the lawfulness of the collection and processing carried out before it."
        ),
        "withdraw_contact": " ({contact})",
    },
}
