# Generates chat_template_reference_renderings.json: random chat requests
# rendered by Jinja2 (the environment transformers uses) with the verbatim
# Gemma 4 chat_template.jinja files of revision R5 (2026-07-15).
#
# Usage: python3 make_reference_renderings.py SEED COUNT SMALL.jinja LARGE.jinja [REVISION] > out.json
# REVISION is r5 (default), r3 or r2; the template files must be that
# revision's verbatim files (sha256 prefixes, small / large):
#   r5: 0a2c8073c878ab1da004bee933a998606537bbb62016310352c7285c3f01c5b5 /
#       ae53464bf3be25802b3a5b37def7fd89667067d7577049b3b2d74c4d8de4c6d4
#   r3: 33204f1a / 94899c0f      r2: 781d1094 / 85a08664
# The committed files were made with SEED=7 COUNT=300 (r5), SEED=8 COUNT=300
# (r3) and SEED=9 COUNT=300 (r2).
import json, random, sys
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols

def raise_exception(msg): raise jinja2.exceptions.TemplateError(msg)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.globals['raise_exception'] = raise_exception
env.filters['tojson'] = lambda x, **k: json.dumps(x)
T = {'small': env.from_string(open(sys.argv[3]).read()),
     'large': env.from_string(open(sys.argv[4]).read())}

R = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
REVISION = sys.argv[5] if len(sys.argv) > 5 else 'r5'

WORDS = ['Hello', 'world', 'Paris', ' padded ', '\n\tline\n', 'x', '', '  ', 'caf\u00e9', '\u3000wide\u3000',
         '<|turn>', '<channel|>', '<|channel>thought\nhidden<channel|>', '<|channel>open', 'a\u00a0b', '42']
def text():
    return ''.join(R.choice(WORDS) for _ in range(R.randint(0, 4)))
def scalar():
    return R.choice([1, 0, -7, 21.0, 1.5, 1e-05, 1e16, 123456.789, True, False, None, 'str', '', 'q"uote', "it's"])
def value(depth=0):
    r = R.random()
    if depth < 2 and r < 0.2:
        return {R.choice(['a', 'B', 'b', 'zed', 'Key', 'x_y']): value(depth + 1) for _ in range(R.randint(0, 3))}
    if depth < 2 and r < 0.35:
        return [value(depth + 1) for _ in range(R.randint(0, 3))]
    return scalar()
def part():
    t = R.choice(['text', 'text', 'text', 'image', 'image_url', 'audio', 'input_audio', 'video', 'file'])
    if t == 'text': return {'type': 'text', 'text': text()}
    if t == 'image_url': return {'type': 'image_url', 'image_url': {'url': 'data:x'}}
    return {'type': t}
def content(allow_scalar=False):
    r = R.random()
    if r < 0.55: return text()
    if r < 0.8: return [part() for _ in range(R.randint(0, 3))]
    if r < 0.9 or not allow_scalar: return None
    return R.choice([3, 2.5, True, {}])
def schema(depth=0):
    t = R.choice(['string', 'integer', 'number', 'boolean', 'array', 'object', None, ['string', 'null']])
    s = {}
    if t is not None: s['type'] = t
    if R.random() < 0.5: s['description'] = R.choice(['desc', 'Some text.', ''])
    if t == 'string' and R.random() < 0.5: s['enum'] = R.sample(['C', 'F', 'K'], R.randint(0, 2))
    if t == 'array' and R.random() < 0.7:
        s['items'] = schema(depth + 1) if depth < 2 else {'type': 'string'}
        if R.random() < 0.3: s['items']['maxItems'] = 3
    if t == 'object' and depth < 2:
        r = R.random()
        if r < 0.5: s['properties'] = {R.choice(['p', 'Q', 'r_s', 'alpha']): schema(depth + 1) for _ in range(R.randint(0, 3))}
        elif r < 0.7: s['additionalProperties'] = R.choice([False, {'type': 'string'}])
        if R.random() < 0.4: s['required'] = ['p']
    if R.random() < 0.15: s['nullable'] = True
    return s
def tool():
    fn = {'name': R.choice(['get_weather', 'search', 'f'])}
    if R.random() < 0.8: fn['description'] = R.choice(['Get the current weather.', '', 'Search.'])
    r = R.random()
    if r < 0.8:
        p = {'type': 'object', 'properties': {R.choice(['city', 'unit', 'Zip', 'q']): schema() for _ in range(R.randint(0, 3))}}
        if R.random() < 0.5: p['required'] = ['city']
        if R.random() < 0.1: del p['type']
        fn['parameters'] = p
    if R.random() < 0.15: fn['response'] = {'type': 'object', 'description': 'r'} if R.random() < 0.5 else {'type': 'string'}
    return {'type': 'function', 'function': fn}
def message(role, ids):
    m = {'role': role}
    if role == 'tool':
        if R.random() < 0.8: m['tool_call_id'] = R.choice(ids + ['zz']) if ids else 'zz'
        if R.random() < 0.3: m['name'] = R.choice(['named', ''])
        c = content(allow_scalar=True)
        if c is not None or R.random() < 0.5: m['content'] = c
        return m
    c = content()
    if c is not None or R.random() < 0.5: m['content'] = c
    if role == 'assistant':
        if R.random() < 0.4:
            m['tool_calls'] = []
            for _ in range(R.randint(1, 2)):
                tc = {'type': 'function', 'function': {'name': R.choice(['get_weather', 'search']),
                       'arguments': {R.choice(['city', 'n', 'Opt', 'list']): value() for _ in range(R.randint(0, 3))} if R.random() < 0.9 else None}}
                if R.random() < 0.8:
                    tc['id'] = 'call_%d' % R.randint(0, 3); ids.append(tc['id'])
                m['tool_calls'].append(tc)
        if R.random() < 0.1:
            m['tool_responses'] = [{'name': R.choice(['f', '']), 'response': value()}]
        if R.random() < 0.3: m['reasoning_content'] = R.choice(['Think.', '', ' spaced '])
        if R.random() < 0.1: m['reasoning'] = R.choice(['R.', ''])
    return m
cases = []
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
while len(cases) < n:
    ids = []
    msgs = []
    if R.random() < 0.4:
        c = content()
        # R2 prints a list-valued system content as Python list text, which
        # the renderer rejects instead.
        while REVISION == 'r2' and isinstance(c, list): c = content()
        msgs.append({'role': R.choice(['system', 'developer']), 'content': c})
    for _ in range(R.randint(0, 6)):
        role = R.choice(['user', 'user', 'assistant', 'assistant', 'tool', 'tool', 'system', 'critic'])
        msgs.append(message(role, ids))
    if REVISION == 'r2' and msgs and msgs[0]['role'] in ('system', 'developer') \
            and isinstance(msgs[0].get('content'), list) and msgs[0]['content']:
        msgs[0]['content'] = text()
    req = {'messages': msgs}
    if R.random() < 0.35: req['tools'] = [tool() for _ in range(R.randint(0, 2))]
    req['enable_thinking'] = R.random() < 0.4
    req['preserve_thinking'] = R.random() < 0.2
    req['add_generation_prompt'] = R.random() < 0.85
    for variant in ('small', 'large'):
        try:
            out = T[variant].render(messages=msgs, tools=req.get('tools'), bos_token='<bos>',
                enable_thinking=req['enable_thinking'], preserve_thinking=req['preserve_thinking'],
                add_generation_prompt=req['add_generation_prompt'])
            cases.append({'revision': REVISION, 'variant': variant, 'request': req, 'expected': out})
        except Exception as e:
            cases.append({'revision': REVISION, 'variant': variant, 'request': req, 'error': type(e).__name__})
json.dump(cases, sys.stdout, ensure_ascii=False)
