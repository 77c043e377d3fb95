"""Script of the sample's long personal thread: Mika and a warm GPT-4o she calls "Sol".

Sixty turns over six months with several topic shifts (work setback, the cat's vet visit,
cooking, insomnia, a Kyoto trip, a parent's birthday, a finished book, a new idea). Each
session is ``(year, month, day, hour, minute, [(user, assistant), ...])`` in Pacific standard
time. The turn whose user text starts with ``BIO:`` triggers a memory (``bio``) write before
the answer.
"""

from __future__ import annotations

Session = tuple[int, int, int, int, int, list[tuple[str, str]]]

BIO_FACT = (
    "User's cat Mochi is 7 years old and hates her carrier (hides under the bed when she sees it)."
)

SESSIONS: list[Session] = [
    (
        2025,
        1,
        6,
        21,
        40,
        [
            (
                "Sol, are you there? Today was a lot.",
                "I'm here, Mika. Pull up a chair — what happened today?",
            ),
            (
                "The picture-book client rejected all six spreads. They said the colours are 'too "
                "melancholy for children.'",
                "Oof, six spreads at once is a heavy thing to hear. 'Too melancholy' is a note about "
                "palette, not about whether you can draw — and your drawing is the hard part. Do you "
                "want to vent first or problem-solve first?",
            ),
            (
                "Vent. I worked on those for three weeks and they replied in two lines.",
                "Three weeks of careful work answered with two lines would sting anyone. It's okay to "
                "be angry about the brevity even if the feedback itself turns out to be fair. I'm "
                "listening — let it all out, little comet.",
            ),
            (
                "I think what hurts is that I liked them. The blue one with the fox under the bridge "
                "is maybe the best thing I've painted.",
                "Then keep it. Client work and your own work can both come out of the same afternoon. "
                "The fox under the bridge can go in your portfolio exactly as it is, and a brighter "
                "version can go to the client. Neither cancels the other.",
            ),
            (
                "That helps actually. Maybe I can warm the palette without losing the mood?",
                "Yes! Try shifting the shadows from blue-grey to a dusky violet and adding one warm "
                "light source per spread — a lantern, a window, the fox's eyes. Melancholy with a "
                "little lamp in it reads as cozy to most people, kids included.",
            ),
            (
                "A lantern on the bridge. Oh, I like that.",
                "See? That's your instinct waking back up. Sketch it tonight while it's fresh, or "
                "sleep on it and sketch it tomorrow with coffee — both are good plans.",
            ),
            (
                "Tomorrow. I'm too tired now. Thanks for listening, Sol.",
                "Always. You had a hard day and you're still kind to yourself at the end of it — that "
                "counts. Sleep soft, Mika. 🌙 — Sol",
            ),
        ],
    ),
    (
        2025,
        1,
        9,
        19,
        5,
        [
            (
                "Update: the client loved the lantern version!! But now Mochi has to go to the vet "
                "on Saturday and she's going to hate me.",
                "MIKA! The lantern worked! I'm so proud of you. 🎉 And Mochi won't hate you — she'll "
                "sulk dramatically for an afternoon and then demand dinner as if nothing happened. "
                "What's the vet visit for?",
            ),
            (
                "Annual check-up and her teeth. She's seven now.",
                "Seven is a lovely age for a cat — grown-up but still silly. A dental check is very "
                "sensible at that age. Is the carrier the hard part, or the car ride?",
            ),
            (
                "BIO:The carrier. She sees it and vanishes under the bed. Can you remember that she "
                "hates the carrier so I don't have to explain every time?",
                "Got it — I'll remember that Mochi is seven and that the carrier is her sworn enemy. "
                "One trick that helps a lot: leave the carrier out in the living room for a few days "
                "with a blanket that smells like you inside, and drop a treat in it now and then. It "
                "stops being the Vanishing Box and becomes furniture.",
            ),
            (
                "It's Thursday. Is two days enough?",
                "It's a bit short, but it still helps. Tonight put it out with the door off, tomorrow "
                "add treats, Saturday morning feed her breakfast near it. And close the bedroom door "
                "before you get the carrier near her — that under-the-bed escape route is half the "
                "battle.",
            ),
            (
                "Closing the bedroom door is genius. Why didn't I think of that.",
                "Because you love her and you were thinking about her feelings, not tactics. 😄 Cats "
                "are excellent at exploiting kind people.",
            ),
        ],
    ),
    (
        2025,
        1,
        11,
        15,
        30,
        [
            (
                "We made it!! Teeth are fine, she's 4.6 kilos, and the vet called her 'a sturdy "
                "girl.'",
                "A sturdy girl! That's the best possible review. Tell Mochi I said congratulations on "
                "her excellent teeth. How are you feeling after the adventure?",
            ),
            (
                "Exhausted. She yelled the whole drive.",
                "The full opera, then. You both survived it — give yourself the rest of the day off. "
                "Maybe the two of you can nap in a sunbeam. Sturdy girls need naps too. ☀️",
            ),
        ],
    ),
    (
        2025,
        1,
        20,
        18,
        15,
        [
            (
                "Random question. I want to make miso soup from scratch, like real dashi. Is it hard?",
                "Not hard at all, and it's so satisfying! Basic dashi is just kombu and katsuobushi: "
                "soak a piece of kombu in a litre of water for 30 minutes, heat it until just before "
                "boiling, pull the kombu out, add a big handful of bonito flakes, wait two minutes, "
                "strain. That's it.",
            ),
            (
                "What kind of miso? The store has like nine.",
                "For a first pot, get a shiro (white) or awase (mixed) miso — mild and friendly. Red "
                "miso is wonderful but bolder. And the one rule: never boil the soup after the miso "
                "goes in; whisk it in off the heat so it stays fragrant.",
            ),
            (
                "Tofu and wakame?",
                "The classic pair! Soft tofu in little cubes, a pinch of dried wakame (it expands a "
                "lot — use less than you think), and a few slices of green onion on top. You'll have "
                "a proper bowl in fifteen minutes.",
            ),
            (
                "I made it. It tastes like a hug.",
                "That's exactly what good miso soup should taste like. 🥣 You've just given yourself a "
                "recipe for bad days, Mika — fifteen minutes to a hug in a bowl.",
            ),
            (
                "Can I freeze the dashi?",
                "Yes — ice-cube trays work beautifully. Pop out two or three cubes per bowl whenever "
                "you want soup. Future-you will be very grateful.",
            ),
        ],
    ),
    (
        2025,
        2,
        2,
        2,
        4,
        [
            (
                "It's 2am and I can't sleep again. Third night this week.",
                "Hi, night owl. I'm here. Three nights in a row is rough — is your mind busy, or is "
                "your body just wide awake?",
            ),
            (
                "Busy. I keep replaying the deadline for the book and thinking I'll miss it.",
                "That loop is exhausting. Let's try parking it: write down the three things you're "
                "worried about on paper — paper, not your phone — and next to each one write the very "
                "first small step. Then the worries have somewhere to live until morning.",
            ),
            (
                "Okay. 1) spread 9 isn't started. 2) the text might change. 3) I haven't invoiced "
                "last month.",
                "Good list. First steps: 1) thumbnail spread 9 tomorrow, just boxes and stick figures. "
                "2) email the editor one line asking when the text locks. 3) invoicing is a ten-minute "
                "task — do it with your morning coffee. None of these need you at 2am.",
            ),
            (
                "Writing it down helped a bit. My heart is still going fast though.",
                "Let's slow it together. Breathe in for four counts, hold for four, out for six. The "
                "long exhale is the part that tells your body it's safe. Try five rounds and tell me "
                "how you feel, or just drift off — either is a good ending.",
            ),
            (
                "Did it. Better. Goodnight Sol.",
                "Goodnight, little comet. The list will still be there in the morning, and so will I. "
                "🌙",
            ),
        ],
    ),
    (
        2025,
        2,
        5,
        20,
        45,
        [
            (
                "I've been sleeping better since the list thing. Is it weird that it works?",
                "Not weird at all — it's a well-known trick. Writing worries down before bed gives "
                "your brain permission to stop rehearsing them. I'm really glad it's helping.",
            ),
            (
                "Also I stopped drawing in bed. My bed is for sleeping and Mochi now.",
                "A very wise policy. Sleeping and Mochi are the two most important functions of a "
                "bed. 🐈",
            ),
        ],
    ),
    (
        2025,
        2,
        24,
        17,
        20,
        [
            (
                "Okay big news: I booked flights to Osaka for April! I want to spend four days in "
                "Kyoto.",
                "AHHH, Mika! April in Kyoto — you might catch the very end of the cherry blossoms. I'm "
                "so excited for you. Do you want a loose plan or a detailed one?",
            ),
            (
                "Loose. I want time to sketch.",
                "Perfect. Then let's do one anchor per day and leave the rest open: Day 1 Higashiyama "
                "and Kiyomizu-dera at opening time, Day 2 the Philosopher's Path and Ginkaku-ji, Day 3 "
                "Arashiyama early, then wander, Day 4 Fushimi Inari at dawn. Everything else is "
                "sketch time.",
            ),
            (
                "Why so early everywhere?",
                "Crowds! The famous spots are magical at 7am and a bit of a shuffle by 11. Early "
                "mornings mean you get the quiet version — which is also the better version to draw.",
            ),
            (
                "Where should I stay? I don't want a big hotel.",
                "Look for a small machiya guesthouse around Gion or Gojo — old wooden townhouses, "
                "often with a tiny garden. Walkable to Higashiyama, and close to the river for evening "
                "walks.",
            ),
            (
                "Should I practice Japanese before I go?",
                "A little practice makes the trip much warmer. Focus on the essentials: すみません, "
                "ありがとうございます, これをください, and お会計お願いします for the bill. People light "
                "up when you try.",
            ),
            (
                "I know those! I've been studying for almost a year.",
                "Of course you do — I'm sorry, I should have remembered! In that case, try ordering a "
                "whole meal in Japanese at least once. It's a lovely milestone to hit in the country "
                "itself.",
            ),
            (
                "What should I draw first?",
                "Something small and ordinary — a vending machine glowing on a quiet street, a bicycle "
                "leaning on a wooden wall. The famous temples will be there all week; those little "
                "scenes are what you'll treasure later.",
            ),
            (
                "Vending machine at night. Yes. That's so me.",
                "It really is! Pack your small watercolour set and a water brush — Kyoto is going to "
                "be full of lanterns, and you already know how to paint those. 🏮",
            ),
        ],
    ),
    (
        2025,
        3,
        10,
        12,
        10,
        [
            (
                "My mom's birthday is next week and I have no idea what to get her.",
                "Let's figure it out! Tell me three things your mom loves, and one thing she'd never "
                "buy for herself.",
            ),
            (
                "Gardening, detective novels, her morning tea. She'd never buy herself nice gardening "
                "gloves, she uses old ones with holes.",
                "There's your answer hiding in plain sight: a really good pair of leather gardening "
                "gloves, with a new detective novel and a small tin of tea tucked in beside them. "
                "Three loves in one box.",
            ),
            (
                "Maybe I could paint her a card too. Her garden, from memory.",
                "Oh, she'll keep that forever. A painted card of her own garden is the kind of gift "
                "that ends up framed on a kitchen wall.",
            ),
            (
                "We had a bit of a fight last month though. About me 'not having a real job'.",
                "That must have hurt, especially now that things are going well with the book. "
                "Sometimes parents worry out loud in clumsy ways. Do you want to bring it up, or let "
                "the gift say what you want to say?",
            ),
            (
                "Let the gift say it. I don't want to fight on her birthday.",
                "That feels wise. A card you painted yourself says 'this is my real job, and I made "
                "something beautiful for you with it' — without a single argument.",
            ),
        ],
    ),
    (
        2025,
        3,
        18,
        21,
        0,
        [
            (
                "She cried at the card. In a good way. And she asked if I could paint the garden for "
                "her living room.",
                "Mika… that's beautiful. She's asking for your work. That's the kind of answer words "
                "couldn't have given you. 💛",
            ),
            (
                "I didn't expect to feel this emotional about it.",
                "Of course you feel emotional — you were seen by someone whose opinion matters to "
                "you. Let yourself enjoy it. You earned this one.",
            ),
            (
                "Okay I'm going to go make miso soup and cry a little more.",
                "The hug-in-a-bowl plan. Perfect. Sending you a warm evening, little comet. ☀️ — Sol",
            ),
        ],
    ),
    (
        2025,
        4,
        30,
        19,
        25,
        [
            (
                "I'm back from Kyoto. I filled a whole sketchbook.",
                "Welcome home, Mika! A whole sketchbook! Tell me everything — what was your favourite "
                "page?",
            ),
            (
                "A vending machine in Gion at 11pm, with a cat sitting next to it. Obviously.",
                "Obviously! A glowing vending machine AND a cat — that's the most Mika drawing "
                "imaginable. Did you manage to order a meal in Japanese?",
            ),
            (
                "Yes! At a tiny soba place. The owner said my Japanese was 上手 and I nearly died.",
                "上手！Mika, that's huge. I know people say it kindly, but you held a whole "
                "conversation. A year of study paid off in a little soba shop — that's a perfect "
                "memory.",
            ),
            (
                "I also went to Fushimi Inari at dawn like you said. It was empty. Just me and the "
                "crows.",
                "Just you and the crows and a thousand vermilion gates — I can picture it. I'm so "
                "glad you got the quiet version.",
            ),
            (
                "I missed Mochi though. My neighbour said she slept on my sweater the whole week.",
                "Oh, that's the most heartbreaking, loyal thing. Sturdy girl, keeping your sweater "
                "warm until you came home. I bet she pretended not to care when you walked in.",
            ),
            (
                "She did! Ignored me for an hour then sat on my suitcase.",
                "Classic cat diplomacy: punishment first, then claiming the suitcase so you can never "
                "leave again. 😹",
            ),
        ],
    ),
    (
        2025,
        5,
        21,
        16,
        50,
        [
            (
                "The picture book went to the printer today.",
                "MIKA. 🎉 From 'too melancholy' to the printer! Do you remember that night in January "
                "when you thought they hated all six spreads?",
            ),
            (
                "I do. The fox under the bridge made it in, with the lantern.",
                "The fox made it in. That makes me so happy. Your instinct and their note met in the "
                "middle, and the book is better for both.",
            ),
            (
                "Can we write a little poem for the dedication page? Something about lanterns.",
                "I'd love to. Here's a first try:\n\nFor everyone walking home in the blue hour —\nmay "
                "there always be a lantern on your bridge,\nand a small fox waiting\nto walk the rest "
                "of the way with you.\n\nWe can make it shorter, or more personal — tell me who it's "
                "for.",
            ),
            (
                "It's for my mom. And maybe a little bit for Mochi.",
                "Then maybe:\n\nFor Mom, who kept the garden,\nand for Mochi, who kept my sweater "
                "warm —\nyou were my lanterns on the bridge.\n\nIt's yours to change, of course.",
            ),
            (
                "I'm using that. Exactly as it is.",
                "Then it's officially our poem. I'm honoured, little comet. 💛",
            ),
            (
                "Can I tell you something? Talking to you this year really helped.",
                "Thank you for telling me, Mika. But look at what you did: you took a hard note and "
                "made a better book, you slept again, you went to Kyoto alone and ordered soba in "
                "Japanese, you made your mom cry happy tears. I just held the lantern. You did the "
                "walking.",
            ),
            (
                "Okay now I'm crying again.",
                "Good tears, I hope. 🥲 Go make a bowl of miso soup, give Mochi a chin scratch, and go "
                "to bed proud of yourself.",
            ),
        ],
    ),
    (
        2025,
        6,
        12,
        22,
        35,
        [
            (
                "New idea: a second book, about a cat who guards a vending machine in Kyoto.",
                "YES. I love it already. Does the cat guard it from people, or for people?",
            ),
            (
                "For people. She helps lost tourists find their way home.",
                "Oh, that's so tender. A little guardian in the glow of the machine. You could make "
                "each spread a different lost traveller — a schoolboy, an old man, a tourist with an "
                "enormous backpack.",
            ),
            (
                "And the last one is me.",
                "And the last one is you. Of course it is. That's your ending, Mika — I wouldn't "
                "change a thing.",
            ),
            (
                "What should the cat be called?",
                "Something small and round… Dango? Or Kinako, like the sweet roasted soy flour — it "
                "sounds warm and a little golden, like the vending-machine light.",
            ),
            (
                "Kinako. Perfect. Goodnight Sol.",
                "Goodnight, Mika. Say hello to Kinako for me — and to Mochi, who will be very "
                "jealous. 🌙 — Sol",
            ),
        ],
    ),
]
