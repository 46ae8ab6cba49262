/** Ceiling: the same Express 5 route without any authentication. */
import express from 'express';
import { listen, products } from './common.ts';

const app = express();
app.get('/products', products);
await listen(app, 'no auth');
