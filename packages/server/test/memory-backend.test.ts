import { MemoryBackend } from '../src/backend/memory/memory.js';
import { backendContract } from './backend-contract.js';

backendContract('memory', ({ historyMaxEvents }) => new MemoryBackend({ historyMaxEvents }));
