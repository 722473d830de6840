"""The wording of the personal-data consent in kk, ru and en, written for this project.

Kept apart from the catalogs on purpose: these sentences become the text of published,
hashed consent documents, and must only change through a new document version.
"""

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
        "kk": "маған кері қоңырау шалу",
        "ru": "обратный звонок мне",
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


#: The sentences of the consent, per language. Placeholders are filled from the details.
TEMPLATES = {
    "kk": {
        "title": "Дербес деректерді өңдеуге келісім",
        "intro": (
            "«{site}» сайтындағы форманы жіберіп, «Дербес деректерді өңдеуге келісемін» деген "
            "белгіні қоя отырып, мен, дербес деректер субъектісі, Қазақстан Республикасының "
            "«Дербес деректер және оларды қорғау туралы» Заңына сәйкес өз еркіммен және өз "
            "мүддемде менің дербес деректерімді төменде көрсетілген шарттармен жинауға және "
            "өңдеуге келісім беремін."
        ),
        "operator": "Дербес деректерді қамтитын базаның операторы: {name}, БСН {bin}",
        "address": "мекенжайы: {address}",
        "contact": "өтініштерге арналған байланыс: {contact}",
        "data": "Жиналатын дербес деректердің тізбесі: {items}.",
        "purposes": "Өңдеу мақсаттары: {items}.",
        "term": (
            "Келісімнің қолданылу мерзімі: {term}. Келісім осы мерзім өткенге дейін немесе "
            "мен оны кері қайтарып алғанға дейін қолданылады."
        ),
        "third_none": "Үшінші тұлғаларға беру: жүзеге асырылмайды.",
        "third_some": "Дербес деректер мына үшінші тұлғаларға беріледі: {items}.",
        "third_purpose": "{name} (мақсаты: {purpose})",
        "border_none": "Трансшекаралық беру: жүзеге асырылмайды.",
        "border_some": "Трансшекаралық беру мына елдерге жүзеге асырылады: {items}.",
        "public_no": "Жалпыға қолжетімді дереккөздерде жариялау: жүзеге асырылмайды.",
        "public_yes": "Жалпыға қолжетімді дереккөздерде жариялау: жүзеге асырылады.",
        "withdraw": (
            "Келісімді кері қайтарып алу: мен келісімді кез келген уақытта операторға "
            "жүгіну арқылы{contact} немесе форманы жіберген кезде берілген түбіртек арқылы кері "
            "қайтарып ала аламын. Кері қайтарып алу оған дейін жүргізілген өңдеудің "
            "заңдылығына әсер етпейді."
        ),
        "withdraw_contact": " ({contact})",
    },
    "ru": {
        "title": "Согласие на обработку персональных данных",
        "intro": (
            "Отправляя форму на сайте «{site}» и отмечая поле «Даю согласие на обработку "
            "персональных данных», я, субъект персональных данных, в соответствии с Законом "
            "Республики Казахстан «О персональных данных и их защите» свободно, своей волей и в "
            "своём интересе даю согласие на сбор и обработку моих персональных данных на "
            "условиях, изложенных ниже."
        ),
        "operator": "Оператор базы, содержащей персональные данные: {name}, БИН {bin}",
        "address": "адрес: {address}",
        "contact": "контакт для обращений: {contact}",
        "data": "Перечень собираемых персональных данных: {items}.",
        "purposes": "Цели обработки: {items}.",
        "term": (
            "Срок действия согласия: {term}. Согласие действует до истечения этого срока или "
            "до его отзыва мной."
        ),
        "third_none": "Передача третьим лицам: не осуществляется.",
        "third_some": "Персональные данные передаются следующим третьим лицам: {items}.",
        "third_purpose": "{name} (цель: {purpose})",
        "border_none": "Трансграничная передача: не осуществляется.",
        "border_some": "Трансграничная передача осуществляется в следующие страны: {items}.",
        "public_no": "Распространение в общедоступных источниках: не осуществляется.",
        "public_yes": "Распространение в общедоступных источниках: осуществляется.",
        "withdraw": (
            "Отзыв согласия: я вправе в любой момент отозвать согласие, обратившись к "
            "оператору{contact} или воспользовавшись квитанцией, выданной при отправке формы. "
            "Отзыв не влияет на законность обработки, проведённой до него."
        ),
        "withdraw_contact": " ({contact})",
    },
    "en": {
        "title": "Consent to the processing of personal data",
        "intro": (
            "By sending the form on the site “{site}” with the box “I agree to the processing "
            "of personal data” ticked, I, the data subject, in accordance with the Law of the "
            "Republic of Kazakhstan “On Personal Data and Their Protection”, freely, of my own "
            "will and in my own interest, consent to the collection and processing of my "
            "personal data on the terms below."
        ),
        "operator": "Operator of the database containing personal data: {name}, BIN {bin}",
        "address": "address: {address}",
        "contact": "contact for requests: {contact}",
        "data": "Personal data collected: {items}.",
        "purposes": "Purposes of processing: {items}.",
        "term": (
            "Term of the consent: {term}. The consent is valid until this term ends or until I "
            "withdraw it."
        ),
        "third_none": "Transfer to third parties: none.",
        "third_some": "The personal data is transferred to these third parties: {items}.",
        "third_purpose": "{name} (purpose: {purpose})",
        "border_none": "Cross-border transfer: none.",
        "border_some": "Cross-border transfer takes place to these countries: {items}.",
        "public_no": "Publication in publicly available sources: none.",
        "public_yes": "Publication in publicly available sources: takes place.",
        "withdraw": (
            "Withdrawal: I may withdraw this consent at any time by contacting the "
            "operator{contact} or with the receipt issued when the form was sent. Withdrawal "
            "does not affect the lawfulness of processing carried out before it."
        ),
        "withdraw_contact": " ({contact})",
    },
}
